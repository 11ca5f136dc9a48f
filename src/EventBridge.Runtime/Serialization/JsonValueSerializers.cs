using System.ComponentModel;
using System.Globalization;
using System.Text.Json;

namespace EventBridge.Serialization;

/// <summary>
/// Serializers for the built-in value types that payloads contain. Generated serializers call these for members of
/// these types. Each writes what <c>System.Text.Json</c>'s default converter for the type writes.
/// </summary>
/// <remarks>
/// Reading is strict: numbers must be JSON numbers (not strings) that fit the type, and dates, times and GUIDs must
/// be strings in the formats that writing produces. Reading <c>null</c> into a reference type returns
/// <see langword="null"/>; whether a member allows it is checked by the serializer of the object that contains it.
/// Non-finite floating-point values (NaN and infinities) cannot be written, because JSON has no literal for them.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class JsonValueSerializers
{
    /// <summary><see cref="bool"/> as <c>true</c> or <c>false</c>.</summary>
    public static PayloadSerializer<bool> Boolean { get; } = new BooleanSerializer();

    /// <summary><see cref="byte"/> as a number.</summary>
    public static PayloadSerializer<byte> Byte { get; } = new ByteSerializer();

    /// <summary><see cref="sbyte"/> as a number.</summary>
    public static PayloadSerializer<sbyte> SByte { get; } = new SByteSerializer();

    /// <summary><see cref="short"/> as a number.</summary>
    public static PayloadSerializer<short> Int16 { get; } = new Int16Serializer();

    /// <summary><see cref="ushort"/> as a number.</summary>
    public static PayloadSerializer<ushort> UInt16 { get; } = new UInt16Serializer();

    /// <summary><see cref="int"/> as a number.</summary>
    public static PayloadSerializer<int> Int32 { get; } = new Int32Serializer();

    /// <summary><see cref="uint"/> as a number.</summary>
    public static PayloadSerializer<uint> UInt32 { get; } = new UInt32Serializer();

    /// <summary><see cref="long"/> as a number.</summary>
    public static PayloadSerializer<long> Int64 { get; } = new Int64Serializer();

    /// <summary><see cref="ulong"/> as a number.</summary>
    public static PayloadSerializer<ulong> UInt64 { get; } = new UInt64Serializer();

    /// <summary><see cref="System.Int128"/> as a number.</summary>
    public static PayloadSerializer<Int128> Int128 { get; } = new Int128Serializer();

    /// <summary><see cref="System.UInt128"/> as a number.</summary>
    public static PayloadSerializer<UInt128> UInt128 { get; } = new UInt128Serializer();

    /// <summary><see cref="System.Half"/> as a number.</summary>
    public static PayloadSerializer<Half> Half { get; } = new HalfSerializer();

    /// <summary><see cref="float"/> as a number.</summary>
    public static PayloadSerializer<float> Single { get; } = new SingleSerializer();

    /// <summary><see cref="double"/> as a number.</summary>
    public static PayloadSerializer<double> Double { get; } = new DoubleSerializer();

    /// <summary><see cref="decimal"/> as a number.</summary>
    public static PayloadSerializer<decimal> Decimal { get; } = new DecimalSerializer();

    /// <summary><see cref="char"/> as a string of one character.</summary>
    public static PayloadSerializer<char> Char { get; } = new CharSerializer();

    /// <summary><see cref="string"/> as a string.</summary>
    public static PayloadSerializer<string> String { get; } = new StringSerializer();

    /// <summary><see cref="System.DateTime"/> as an ISO 8601 string.</summary>
    public static PayloadSerializer<DateTime> DateTime { get; } = new DateTimeSerializer();

    /// <summary><see cref="System.DateTimeOffset"/> as an ISO 8601 string with its offset.</summary>
    public static PayloadSerializer<DateTimeOffset> DateTimeOffset { get; } = new DateTimeOffsetSerializer();

    /// <summary><see cref="System.DateOnly"/> as a <c>yyyy-MM-dd</c> string.</summary>
    public static PayloadSerializer<DateOnly> DateOnly { get; } = new DateOnlySerializer();

    /// <summary><see cref="System.TimeOnly"/> as a <c>HH:mm:ss.fffffff</c> string.</summary>
    public static PayloadSerializer<TimeOnly> TimeOnly { get; } = new TimeOnlySerializer();

    /// <summary><see cref="System.TimeSpan"/> as a string in the constant (<c>"c"</c>) format, for example <c>1.02:03:04.5000000</c>.</summary>
    public static PayloadSerializer<TimeSpan> TimeSpan { get; } = new TimeSpanSerializer();

    /// <summary><see cref="System.Guid"/> as a string of 32 hex digits with hyphens.</summary>
    public static PayloadSerializer<Guid> Guid { get; } = new GuidSerializer();

    /// <summary><see cref="System.Uri"/> as its original string.</summary>
    public static PayloadSerializer<Uri> Uri { get; } = new UriSerializer();

    /// <summary>A byte array as a base64 string.</summary>
    public static PayloadSerializer<byte[]> ByteArray { get; } = new ByteArraySerializer();

    private static void ExpectNumber(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw PayloadJson.UnexpectedToken(reader.TokenType, "a number");
        }
    }

    private static string ReadString(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw PayloadJson.UnexpectedToken(reader.TokenType, "a string");
        }

        return PayloadJson.GetString(ref reader);
    }

    private static void ThrowIfNotFinite(double value)
    {
        if (!double.IsFinite(value))
        {
            throw PayloadJson.CannotWrite($"{value.ToString(CultureInfo.InvariantCulture)} has no JSON form");
        }
    }
}
