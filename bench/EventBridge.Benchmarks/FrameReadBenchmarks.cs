using System.Text;
using BenchmarkDotNet.Attributes;
using EventBridge.Transport;

namespace EventBridge.Benchmarks;

/// <summary>
/// Reading the members of one event frame with the full parser, which checks the UTF-8 encoding and every JSON token.
/// It is compared with the scanner that clients use for relayed events, and with the checked scanner that the server
/// uses for every event a client sends, which checks as much as the parser.
/// </summary>
[MemoryDiagnoser]
public class FrameReadBenchmarks
{
    /// <summary>A relayed event frame as a client receives it: source, signal, args, kwargs, id, time and seq.</summary>
    internal static readonly byte[] RelayedFrame = Encoding.UTF8.GetBytes(
        "{\"source\":{\"name\":\"publisher-0\",\"address\":\"127.0.0.1:40312\"},\"signal\":\"load\",\"args\":[]," +
        "\"kwargs\":{\"publisher\":0,\"sequence\":123456,\"sent_at\":98765432101,\"padding\":\"" + new string('x', 100) + "\"}," +
        "\"id\":\"9f2c54e0b7d14a3e000000000001e240\",\"time\":1764900000000,\"seq\":123456}");

    /// <summary>The same event as a client sends it to the server: no source.</summary>
    internal static readonly byte[] SentFrame = Encoding.UTF8.GetBytes(
        "{\"signal\":\"load\",\"args\":[]," +
        "\"kwargs\":{\"publisher\":0,\"sequence\":123456,\"sent_at\":98765432101,\"padding\":\"" + new string('x', 100) + "\"}," +
        "\"id\":\"9f2c54e0b7d14a3e000000000001e240\",\"time\":1764900000000,\"seq\":123456}");

    [Benchmark(Baseline = true, Description = "Frame.Parse")]
    public int Parse() => Frame.Parse(RelayedFrame).Kwargs.End.Value;

    [Benchmark(Description = "RelayedFrameScanner.Scan")]
    public int Scan() => RelayedFrameScanner.Scan(RelayedFrame, 64).Kwargs.End.Value;

    [Benchmark(Description = "Frame.Parse, sent frame")]
    public int ParseSent() => Frame.Parse(SentFrame).Kwargs.End.Value;

    [Benchmark(Description = "RelayedFrameScanner.ScanChecked, sent frame")]
    public int ScanCheckedSent() => RelayedFrameScanner.ScanChecked(SentFrame, 64).Kwargs.End.Value;
}
