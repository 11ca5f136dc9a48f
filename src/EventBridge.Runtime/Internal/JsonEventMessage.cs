using System.Text.Json;

namespace EventBridge;

/// <summary>An event whose payload is the JSON that arrived in a frame.</summary>
internal sealed class JsonEventMessage : EventMessage
{
    private readonly ReadOnlyMemory<byte> _argsJson;
    private readonly ReadOnlyMemory<byte> _kwargsJson;

    public JsonEventMessage(
        string signal,
        string? @namespace,
        EventId id,
        EventOrigin? source,
        bool isRemote,
        ReadOnlyMemory<byte> argsJson,
        ReadOnlyMemory<byte> kwargsJson)
        : base(signal, @namespace, id, source, isRemote)
    {
        _argsJson = argsJson;
        _kwargsJson = kwargsJson;
    }

    /// <summary>
    /// The received frame, set by a server when the frame can be relayed as it is; it is not set when the frame
    /// carried its own <c>source</c>, which the server replaces.
    /// </summary>
    public byte[]? RelayFrame { get; init; }

    public override bool TryGetPayload<T>(out T payload)
    {
        payload = default!;
        return false;
    }

    public override void WriteKwargs(Utf8JsonWriter writer)
    {
        if (_kwargsJson.IsEmpty)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteRawValue(_kwargsJson.Span, skipInputValidation: true);
        }
    }

    public override void WriteArgs(Utf8JsonWriter writer)
    {
        if (_argsJson.IsEmpty)
        {
            writer.WriteStartArray();
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteRawValue(_argsJson.Span, skipInputValidation: true);
        }
    }

    public override ReadOnlyMemory<byte> GetKwargsJson() => _kwargsJson;

    public override ReadOnlyMemory<byte> GetArgsJson() => _argsJson;
}
