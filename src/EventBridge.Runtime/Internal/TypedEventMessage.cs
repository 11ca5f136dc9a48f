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
    private static readonly byte[] s_nullArgs = "[null]"u8.ToArray();

    private TPayload _payload;
    // The serialized payload: the kwargs object, or the whole args array for a payload that is not an object.
    private byte[]? _json;

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
        _json = null;
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
        if (Placement != PayloadPlacement.Kwargs)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else if (_json is not null)
        {
            writer.WriteRawValue(_json, skipInputValidation: true);
        }
        else
        {
            PayloadSerializers.Get<TPayload>().Write(writer, _payload);
        }
    }

    public override void WriteArgs(Utf8JsonWriter writer)
    {
        var placement = Placement;
        if (placement == PayloadPlacement.Args && _json is not null)
        {
            writer.WriteRawValue(_json, skipInputValidation: true);
            return;
        }

        writer.WriteStartArray();
        if (placement == PayloadPlacement.NullArg)
        {
            writer.WriteNullValue();
        }
        else if (placement == PayloadPlacement.Args)
        {
            PayloadSerializers.Get<TPayload>().Write(writer, _payload);
        }

        writer.WriteEndArray();
    }

    public override ReadOnlyMemory<byte> GetKwargsJson()
    {
        if (Placement != PayloadPlacement.Kwargs)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        // Benign race: two threads may both serialize, and either array is a correct result.
        return _json ??= Serialize(_payload);
    }

    public override ReadOnlyMemory<byte> GetArgsJson() => Placement switch
    {
        PayloadPlacement.Args => _json ??= Serialize(_payload, asOnlyArg: true),
        PayloadPlacement.NullArg => s_nullArgs,
        _ => ReadOnlyMemory<byte>.Empty,
    };

    /// <summary>
    /// Where the payload travels in a frame: an object as <c>kwargs</c>, any other value as the only element of
    /// <c>args</c>, and <see langword="null"/> as <c>[null]</c>, except for a signal emitted without a payload.
    /// </summary>
    /// <exception cref="PayloadException">No serializer is registered for <typeparamref name="TPayload"/>.</exception>
    private PayloadPlacement Placement
    {
        get
        {
            if (_payload is null)
            {
                return typeof(TPayload) == typeof(object) ? PayloadPlacement.None : PayloadPlacement.NullArg;
            }

            return PayloadSerializers.Get<TPayload>().WritesObject ? PayloadPlacement.Kwargs : PayloadPlacement.Args;
        }
    }
}

/// <summary>Where a frame carries a typed payload.</summary>
internal enum PayloadPlacement
{
    /// <summary>Nowhere: the signal was emitted without a payload.</summary>
    None,

    /// <summary>As the <c>kwargs</c> object.</summary>
    Kwargs,

    /// <summary>As the only element of <c>args</c>.</summary>
    Args,

    /// <summary>As <c>args</c> holding one <c>null</c>.</summary>
    NullArg,
}
