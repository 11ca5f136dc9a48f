using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using EventBridge.Serialization;
using EventBridge.Transport;

namespace EventBridge;

/// <summary>
/// One event as middleware, watchers and the bridge see it: its signal, namespace, id, origin and payload. The
/// payload is either a typed value emitted in this process or the JSON that arrived from another process.
/// </summary>
public abstract class EventMessage
{
    private static readonly byte[] s_emptyObject = "{}"u8.ToArray();

    private string _signal;
    private string? _namespace;
    private EventId _id;
    private ulong _sequence;
    private EventOrigin? _source;
    private bool _isRemote;

    private protected EventMessage(string signal, string? @namespace, EventId id, EventOrigin? source, bool isRemote)
    {
        Initialize(signal, @namespace, id, source, isRemote);
    }

    /// <summary>The signal name.</summary>
    public string Signal => _signal;

    /// <summary>The namespace, or <see langword="null"/> for the default namespace.</summary>
    public string? Namespace => _namespace;

    /// <summary>The event id.</summary>
    public EventId Id => _id.IsEmpty ? GetLocalId() : _id;

    /// <summary>The process that emitted the event, or <see langword="null"/> when this process did.</summary>
    public EventOrigin? Source => _source;

    /// <summary><see langword="true"/> when the event arrived from another process through the bridge.</summary>
    public bool IsRemote => _isRemote;

    /// <summary>
    /// Whether code outside one synchronous delivery may still hold this message: a consumer that went
    /// asynchronous, a failure report, or another emit. The bus reuses only messages that have not escaped.
    /// </summary>
    internal bool HasEscaped { get; private set; }

    /// <summary>
    /// Returns the id of an event created in this process. The number is taken on first use, because most local
    /// events are never asked for their id and the shared counter costs an interlocked operation.
    /// </summary>
    private EventId GetLocalId()
    {
        var sequence = Volatile.Read(ref _sequence);
        if (sequence == 0)
        {
            var next = EventId.NextSequence();

            // Two threads may ask at once; the first number stored wins, so both see the same id.
            sequence = Interlocked.CompareExchange(ref _sequence, next, 0);
            if (sequence == 0)
            {
                sequence = next;
            }
        }

        return EventId.FromSequence(sequence);
    }

    /// <summary>Records that the message may outlive the current delivery, so the bus must not reuse it.</summary>
    internal void MarkEscaped() => HasEscaped = true;

    /// <summary>Sets every field, so that a reused message carries no trace of its previous event.</summary>
    [MemberNotNull(nameof(_signal))]
    private protected void Initialize(string signal, string? @namespace, EventId id, EventOrigin? source, bool isRemote)
    {
        _signal = signal;
        _namespace = string.IsNullOrEmpty(@namespace) ? null : @namespace;
        _id = id;
        _sequence = 0;
        _source = source;
        _isRemote = isRemote;
        HasEscaped = false;
    }

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

    /// <summary>
    /// Gets the emitted payload when it is a <typeparamref name="TPayload"/> (the type itself, a derived type or an
    /// implementation), without any JSON work. Events that arrived as JSON have no such value.
    /// </summary>
    public abstract bool TryGetPayload<TPayload>(out TPayload payload);

    /// <summary>
    /// Returns the payload as <typeparamref name="TPayload"/>: the emitted value itself when it is one (see
    /// <see cref="TryGetPayload{TPayload}"/>), and otherwise the value that <paramref name="serializer"/> reads from
    /// the event's <c>kwargs</c> JSON. When <c>kwargs</c> is absent or empty and <c>args</c> has exactly one
    /// element, that element is read instead (the bridge sends a payload that is not an object that way); when both
    /// are absent, <c>{}</c> is read.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="serializer"/> is <see langword="null"/>.</exception>
    /// <exception cref="PayloadException">
    /// The JSON does not fit <typeparamref name="TPayload"/>. The message names the signal and, when it is known, the
    /// member (also in <see cref="PayloadException.MemberPath"/>).
    /// </exception>
    public TPayload GetPayload<TPayload>(PayloadSerializer<TPayload> serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        return TryGetEmittedPayload(out TPayload payload) ? payload : ReadPayload(serializer);
    }

    /// <summary>
    /// Gets the emitted payload as <see cref="TryGetPayload{TPayload}"/> does, but checks the exact type first with a
    /// cast, which costs less than the generic virtual call and covers nearly every in-process emit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryGetEmittedPayload<TPayload>(out TPayload payload)
    {
        if (this is TypedEventMessage<TPayload> typed)
        {
            payload = typed.Payload;
            return true;
        }

        return TryGetPayload(out payload);
    }

    /// <summary>Reads the payload from the event's JSON, for <see cref="GetPayload"/>.</summary>
    /// <remarks>
    /// Kept out of <see cref="GetPayload"/>, because the JSON reader and the exception handler give a method a stack
    /// frame of about 500 bytes, most of it cleared on every call. In a method of its own, that cost stays with events
    /// that arrived as JSON. Inside <see cref="GetPayload"/> it made an in-process emit to one consumer about 13 ns
    /// slower (the <c>emit-bus</c> loop of the benchmark project: 42 to 45 ns against 29 to 33 ns).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal TPayload ReadPayload<TPayload>(PayloadSerializer<TPayload> serializer)
    {
        var json = GetKwargsJson().Span;
        var reader = default(Utf8JsonReader);
        try
        {
            // A payload that is not an object (a number, a list) travels as the only element of args, and so does
            // an object that a client in another language sent positionally.
            var args = IsEmptyObject(json) ? GetArgsJson().Span : default;
            if (TryLocateOnlyArg(args, out var only))
            {
                json = args[only];
            }
            else if (json.IsEmpty)
            {
                json = s_emptyObject;
            }

            reader = new Utf8JsonReader(json);
            reader.Read();
            return serializer.Read(ref reader);
        }
        catch (Exception exception) when (IsReadFailure(exception))
        {
            var member = (exception as PayloadException)?.MemberPath ?? JsonPaths.Locate(json, reader.TokenStartIndex);
            var at = member is null ? string.Empty : $" at member '{member}'";
            throw new PayloadException(
                $"The payload of signal '{Signal}' could not be read{at}: {exception.Message}", member, exception);
        }
    }

    /// <summary>
    /// Returns one argument of a consumer that takes simple parameters: the <c>kwargs</c> member named
    /// <paramref name="jsonName"/>, else the <c>args</c> element at <paramref name="position"/>.
    /// </summary>
    /// <returns><see langword="false"/> when the event has neither.</returns>
    /// <exception cref="PayloadException">
    /// The value does not fit <typeparamref name="T"/>. The message names the signal and the argument, whose path is
    /// also in <see cref="PayloadException.MemberPath"/>.
    /// </exception>
    public bool TryGetArgument<T>(string jsonName, int position, PayloadSerializer<T> serializer, out T value)
    {
        ArgumentNullException.ThrowIfNull(jsonName);
        ArgumentNullException.ThrowIfNull(serializer);
        try
        {
            if (TryReadKwarg(GetKwargsJson().Span, jsonName, serializer, out value))
            {
                return true;
            }

            return TryReadArg(GetArgsJson().Span, position, serializer, out value);
        }
        catch (Exception exception) when (IsReadFailure(exception))
        {
            var inner = (exception as PayloadException)?.MemberPath;
            var member = inner is null ? jsonName : jsonName + "." + inner;
            throw new PayloadException(
                $"The argument '{jsonName}' of signal '{Signal}' could not be read at member '{member}': " +
                exception.Message,
                member,
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

    /// <summary>
    /// Whether <paramref name="exception"/> means that the JSON did not fit the payload type: malformed JSON, a
    /// serializer's own error, or a <see cref="Utf8JsonReader"/> getter called on a token of another type.
    /// </summary>
    private static bool IsReadFailure(Exception exception) =>
        exception is JsonException or PayloadException or InvalidOperationException or FormatException
            or OverflowException;

    /// <summary>Whether <paramref name="json"/> is empty or an object without members.</summary>
    private static bool IsEmptyObject(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty)
        {
            return true;
        }

        var reader = new Utf8JsonReader(json);
        return reader.Read() && reader.TokenType == JsonTokenType.StartObject
            && reader.Read() && reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>Finds the only element of an <c>args</c> array that has exactly one.</summary>
    private static bool TryLocateOnlyArg(ReadOnlySpan<byte> json, out Range element)
    {
        element = default;
        if (json.IsEmpty)
        {
            return false;
        }

        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray
            || !reader.Read() || reader.TokenType == JsonTokenType.EndArray)
        {
            return false;
        }

        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        var end = (int)reader.BytesConsumed;
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
        {
            return false;
        }

        element = start..end;
        return true;
    }

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
            // An escaped name is decoded by GetString, which reports a lone surrogate in it as a PayloadException.
            var matches = reader.ValueIsEscaped
                ? string.Equals(PayloadJson.GetString(ref reader), name, StringComparison.Ordinal)
                : reader.ValueTextEquals(name);
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

    /// <summary>
    /// Serializes a payload, as the <c>kwargs</c> object or, with <paramref name="asOnlyArg"/>, as an <c>args</c> array
    /// that contains it alone.
    /// </summary>
    private protected static byte[] Serialize<TPayload>(TPayload payload, bool asOnlyArg = false)
    {
        var buffer = ScratchBuffer.Rent();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (asOnlyArg)
            {
                writer.WriteStartArray();
            }

            PayloadSerializers.Get<TPayload>().Write(writer, payload);
            if (asOnlyArg)
            {
                writer.WriteEndArray();
            }
        }

        return ScratchBuffer.ToArrayAndReturn(buffer);
    }
}
