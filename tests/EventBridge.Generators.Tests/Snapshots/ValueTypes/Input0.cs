using System;
using EventBridge;

namespace Telemetry;

public sealed class Sample
{
    public bool Flag { get; set; }
    public byte Byte { get; set; }
    public sbyte SByte { get; set; }
    public short Short { get; set; }
    public ushort UShort { get; set; }
    public int Int { get; set; }
    public uint UInt { get; set; }
    public long Long { get; set; }
    public ulong ULong { get; set; }
    public Int128 Huge { get; set; }
    public UInt128 UHuge { get; set; }
    public Half Half { get; set; }
    public float Float { get; set; }
    public double Double { get; set; }
    public decimal Decimal { get; set; }
    public char Char { get; set; }
    public string Text { get; set; } = "";
    public DateTime At { get; set; }
    public DateTimeOffset AtOffset { get; set; }
    public DateOnly Day { get; set; }
    public TimeOnly Time { get; set; }
    public TimeSpan Duration { get; set; }
    public Guid Id { get; set; }
    public Uri? Link { get; set; }
    public byte[] Blob { get; set; } = [];
    public double? Maybe { get; set; }
}

public static class SampleConsumers
{
    [Consumer("sample")]
    public static void OnSample(Sample sample)
    {
    }
}
