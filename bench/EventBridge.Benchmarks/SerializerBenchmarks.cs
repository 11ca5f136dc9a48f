using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using EventBridge.Serialization;

namespace EventBridge.Benchmarks;

/// <summary>
/// The payload serializer that the EventBridge generator writes, against System.Text.Json's source-generated one, on
/// the same payload and the same snake_case JSON, both writing to and reading from UTF-8 without strings in between.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SerializerBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Shipment _payload = new(
        1234567,
        "Ann Example",
        new ShippingAddress("12 Main Street", "Springfield", "12345"),
        [new ShipmentLine("SKU-001", 2, 9.99), new ShipmentLine("SKU-002", 1, 24.5), new ShipmentLine("SKU-003", 5, 1.25)],
        Express: true,
        Note: null);

    private PayloadSerializer<Shipment> _generated = null!;
    private Utf8JsonWriter _writer = null!;
    private byte[] _json = null!;

    [GlobalSetup]
    public void Setup()
    {
        _generated = PayloadSerializers.Get<Shipment>();
        _writer = new Utf8JsonWriter(_buffer);
        _json = JsonSerializer.SerializeToUtf8Bytes(_payload, BenchmarkJsonContext.Default.Shipment);
        var generatedJson = Write(w => _generated.Write(w, _payload));
        if (!generatedJson.AsSpan().SequenceEqual(_json))
        {
            throw new InvalidOperationException(
                "The two serializers write different JSON, so the comparison would be unfair:\n" +
                System.Text.Encoding.UTF8.GetString(generatedJson) + "\n" + System.Text.Encoding.UTF8.GetString(_json));
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    [Benchmark(Baseline = true, Description = "STJ source-generated, write")]
    [BenchmarkCategory("Write")]
    public int WriteWithSystemTextJson()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
        JsonSerializer.Serialize(_writer, _payload, BenchmarkJsonContext.Default.Shipment);
        _writer.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark(Description = "EventBridge generated, write")]
    [BenchmarkCategory("Write")]
    public int WriteWithGenerated()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
        _generated.Write(_writer, _payload);
        _writer.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark(Baseline = true, Description = "STJ source-generated, read")]
    [BenchmarkCategory("Read")]
    public Shipment? ReadWithSystemTextJson()
    {
        var reader = new Utf8JsonReader(_json);
        return JsonSerializer.Deserialize(ref reader, BenchmarkJsonContext.Default.Shipment);
    }

    [Benchmark(Description = "EventBridge generated, read")]
    [BenchmarkCategory("Read")]
    public Shipment ReadWithGenerated()
    {
        var reader = new Utf8JsonReader(_json);
        reader.Read();
        return _generated.Read(ref reader);
    }

    private byte[] Write(Action<Utf8JsonWriter> write)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
        write(_writer);
        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }
}

public sealed record Shipment(
    int Id,
    string Customer,
    ShippingAddress Address,
    List<ShipmentLine> Lines,
    bool Express,
    string? Note);

public sealed record ShippingAddress(string Street, string City, string PostalCode);

public sealed record ShipmentLine(string Sku, int Quantity, double UnitPrice);

/// <summary>A consumer of <see cref="Shipment"/>, so that the EventBridge generator writes its serializer.</summary>
public static partial class ShipmentConsumer
{
    [Consumer("shipment_created")]
    public static void OnShipmentCreated(Shipment shipment) => GC.KeepAlive(shipment);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(Shipment))]
internal sealed partial class BenchmarkJsonContext : JsonSerializerContext;
