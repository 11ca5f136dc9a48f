using System.Buffers;
using System.Text.Json;
using EventBridge.Serialization;

namespace EventBridge;

/// <summary>
/// One event as middleware, watchers and the bridge see it: its signal, namespace, id, origin and payload. The
/// payload is either a typed value emitted in this process or the JSON that arrived from another process.
/// </summary>
public abstract class EventMessage
{
    private protected EventMessage(string signal, string? @namespace, EventId id, EventOrigin? source, bool isRemote)
    {
        Signal = signal;
        Namespace = string.IsNullOrEmpty(@namespace) ? null : @namespace;
        Id = id.IsEmpty ? EventId.NewId() : id;
        Source = source;
        IsRemote = isRemote;
    }

    /// <summary>The signal name.</summary>
    public string Signal { get; }

    /// <summary>The namespace, or <see langword="null"/> for the default namespace.</summary>
    public string? Namespace { get; }

    /// <summary>The event id.</summary>
    public EventId Id { get; }

    /// <summary>The process that emitted the event, or <see langword="null"/> when this process did.</summary>
    public EventOrigin? Source { get; }

    /// <summary><see langword="true"/> when the event arrived from another process through the bridge.</summary>
    public bool IsRemote { get; }

    /// <summary>Creates a local event with a typed payload.</summary>
    public static EventMessage Create<TPayload>(string signal, TPayload payload, string? @namespace = null) =>
        new TypedEventMessage<TPayload>(signal, @namespace, EventId.NewId(), payload);

    /// <summary>
    /// Creates an event from the JSON of its positional (<c>args</c>) and named (<c>kwargs</c>) arguments, as a
    /// bridge client receives it. The bytes are used in place, so the caller must not reuse them.
    /// </summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for the default namespace.</param>
    /// <param name="id">The event id, or the default value to create a new one.</param>
    /// <param name="source">The emitting process, when known.</param>
    /// <param name="isRemote">Whether the event came from another process.</param>
    /// <param name="argsJson">A JSON array, or empty for none.</param>
    /// <param name="kwargsJson">A JSON object, or empty for none.</param>
    public static EventMessage FromJson(
        string signal,
        string? @namespace,
        EventId id,
        EventOrigin? source,
        bool isRemote,
        ReadOnlyMemory<byte> argsJson,
        ReadOnlyMemory<byte> kwargsJson) =>
        new JsonEventMessage(signal, @namespace, id, source, isRemote, argsJson, kwargsJson);

    /// <summary>Returns a copy of this event with another payload, keeping signal, namespace, id and origin.</summary>
    public EventMessage WithPayload<TPayload>(TPayload payload) =>
        new TypedEventMessage<TPayload>(Signal, Namespace, Id, payload, Source, IsRemote);

    /// <summary>Gets the payload when it is a value of exactly <typeparamref name="TPayload"/>, without any JSON work.</summary>
    public abstract bool TryGetPayload<TPayload>(out TPayload payload);

    /// <summary>
    /// Returns the payload as <typeparamref name="TPayload"/>: the emitted value itself when the types match, and
    /// otherwise the value read from the event's <c>kwargs</c> JSON.
    /// </summary>
    /// <exception cref="PayloadException">The JSON does not fit <typeparamref name="TPayload"/>.</exception>
    public TPayload GetPayload<TPayload>(PayloadSerializer<TPayload> serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        if (TryGetPayload(out TPayload payload))
        {
            return payload;
        }

        var kwargs = GetKwargsJson();
        if (kwargs.IsEmpty)
        {
            kwargs = "{}"u8.ToArray();
        }

        var reader = new Utf8JsonReader(kwargs.Span);
        try
        {
            reader.Read();
            return serializer.Read(ref reader);
        }
        catch (JsonException exception)
        {
            throw new PayloadException(
                $"The payload of signal '{Signal}' is not valid JSON: {exception.Message}", null, exception);
        }
    }

    /// <summary>
    /// Returns one argument of a consumer that takes simple parameters: the <c>kwargs</c> member named
    /// <paramref name="jsonName"/>, else the <c>args</c> element at <paramref name="position"/>.
    /// </summary>
    /// <returns><see langword="false"/> when the event has neither.</returns>
    /// <exception cref="PayloadException">The value does not fit <typeparamref name="T"/>.</exception>
    public bool TryGetArgument<T>(string jsonName, int position, PayloadSerializer<T> serializer, out T value)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        try
        {
            if (TryReadKwarg(GetKwargsJson().Span, jsonName, serializer, out value))
            {
                return true;
            }

            return TryReadArg(GetArgsJson().Span, position, serializer, out value);
        }
        catch (JsonException exception)
        {
            throw new PayloadException(
                $"The argument '{jsonName}' of signal '{Signal}' is not valid JSON: {exception.Message}",
                jsonName,
                exception);
        }
    }

    /// <summary>Writes the <c>kwargs</c> object: the serialized payload, or <c>{}</c> when there is none.</summary>
    public abstract void WriteKwargs(Utf8JsonWriter writer);

    /// <summary>Writes the <c>args</c> array.</summary>
    public abstract void WriteArgs(Utf8JsonWriter writer);

    /// <summary>Returns the JSON of the <c>kwargs</c> object, or empty when there are none.</summary>
    public abstract ReadOnlyMemory<byte> GetKwargsJson();

    /// <summary>Returns the JSON of the <c>args</c> array, or empty when there are none.</summary>
    public abstract ReadOnlyMemory<byte> GetArgsJson();

    /// <inheritdoc/>
    public override string ToString() => Namespace is null ? Signal : Namespace + "/" + Signal;

    private static bool TryReadKwarg<T>(
        ReadOnlySpan<byte> json, string name, PayloadSerializer<T> serializer, out T value)
    {
        value = default!;
        if (json.IsEmpty)
        {
            return false;
        }

        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var matches = reader.ValueTextEquals(name);
            reader.Read();
            if (matches)
            {
                value = serializer.Read(ref reader);
                return true;
            }

            reader.Skip();
        }

        return false;
    }

    private static bool TryReadArg<T>(ReadOnlySpan<byte> json, int position, PayloadSerializer<T> serializer, out T value)
    {
        value = default!;
        if (json.IsEmpty || position < 0)
        {
            return false;
        }

        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (index == position)
            {
                value = serializer.Read(ref reader);
                return true;
            }

            reader.Skip();
            index++;
        }

        return false;
    }

    private protected static byte[] Serialize<TPayload>(TPayload payload)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            PayloadSerializers.Get<TPayload>().Write(writer, payload);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
