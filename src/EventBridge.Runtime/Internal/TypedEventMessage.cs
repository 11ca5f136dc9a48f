using System.Text.Json;
using EventBridge.Serialization;

namespace EventBridge;

/// <summary>An event emitted in this process with a payload of type <typeparamref name="TPayload"/>.</summary>
internal sealed class TypedEventMessage<TPayload> : EventMessage
{
    private readonly TPayload _payload;
    private byte[]? _kwargsJson;

    public TypedEventMessage(
        string signal,
        string? @namespace,
        EventId id,
        TPayload payload,
        EventOrigin? source = null,
        bool isRemote = false)
        : base(signal, @namespace, id, source, isRemote)
    {
        _payload = payload;
    }

    public override bool TryGetPayload<T>(out T payload)
    {
        if (this is TypedEventMessage<T> same)
        {
            payload = same._payload;
            return true;
        }

        payload = default!;
        return false;
    }

    public override void WriteKwargs(Utf8JsonWriter writer)
    {
        if (_kwargsJson is not null)
        {
            writer.WriteRawValue(_kwargsJson, skipInputValidation: true);
        }
        else if (_payload is null)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            PayloadSerializers.Get<TPayload>().Write(writer, _payload);
        }
    }

    public override void WriteArgs(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        writer.WriteEndArray();
    }

    public override ReadOnlyMemory<byte> GetKwargsJson()
    {
        if (_payload is null)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        // Benign race: two threads may both serialize, and either array is a correct result.
        return _kwargsJson ??= Serialize(_payload);
    }

    public override ReadOnlyMemory<byte> GetArgsJson() => ReadOnlyMemory<byte>.Empty;
}
