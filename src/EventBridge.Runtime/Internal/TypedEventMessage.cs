using System.Text.Json;
using EventBridge.Serialization;

namespace EventBridge;

/// <summary>An event emitted in this process with a payload of type <typeparamref name="TPayload"/>.</summary>
/// <remarks>
/// The bus reuses instances for events that only consumers see (see <see cref="Rent"/>), so that emitting allocates
/// nothing. Such an instance changes after its delivery ends unless it escaped (<see cref="EventMessage.MarkEscaped"/>).
/// </remarks>
internal sealed class TypedEventMessage<TPayload> : EventMessage
{
    private TPayload _payload;
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

    public TPayload Payload => _payload;

    /// <summary>
    /// Returns one of this thread's spare messages for <typeparamref name="TPayload"/>, set to a new local event, or
    /// a new message when there is none (the first emit, or an emit nested inside a consumer).
    /// </summary>
    public static TypedEventMessage<TPayload> Rent(
        DeliveryState state,
        string signal,
        string? @namespace,
        TPayload payload)
    {
        var message = state.TakeSpare<TPayload>();
        if (message is null)
        {
            return new TypedEventMessage<TPayload>(signal, @namespace, default, payload);
        }

        message.Initialize(signal, @namespace, default, null, false);
        message._payload = payload;
        return message;
    }

    /// <summary>
    /// Keeps this message as the thread's spare once its delivery has ended, unless something may still hold it.
    /// </summary>
    public void Return(DeliveryState state)
    {
        if (HasEscaped)
        {
            return;
        }

        // Dropping the payload reference keeps the spare from holding the last payload alive.
        _payload = default!;
        _kwargsJson = null;
        state.KeepSpare(this);
    }

    public override bool TryGetPayload<T>(out T payload)
    {
        if (this is TypedEventMessage<T> same)
        {
            payload = same._payload;
            return true;
        }

        // A consumer of a base type or interface receives the emitted value itself.
        if (_payload is T value)
        {
            payload = value;
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

