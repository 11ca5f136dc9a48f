using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using EventBridge.Internal;

namespace EventBridge.Transport;

/// <summary>
/// The members of one frame that routing needs. The payload (<c>args</c> and <c>kwargs</c>) is located, not parsed,
/// so that a relay can forward the original bytes.
/// </summary>
internal readonly struct Frame
{
    /// <summary>
    /// The maximum number of patterns in a hello's <c>receive</c> member. The server matches each relayed event against a client's
    /// patterns, so their number bounds that work.
    /// </summary>
    public const int MaxReceivePatterns = 256;


    public FrameKind Kind { get; init; }

    public string? Signal { get; init; }

    public string? Namespace { get; init; }

    /// <summary>The event id; empty when the frame has none or an empty one.</summary>
    public EventId Id { get; init; }

    /// <summary>Whether the frame has an <c>id</c> string, even an empty one.</summary>
    public bool HasId { get; init; }

    /// <summary>The client name of a hello frame.</summary>
    public string? Name { get; init; }

    /// <summary>The authentication token of a hello frame.</summary>
    public string? Token { get; init; }

    /// <summary>
    /// The <c>receive</c> patterns of a hello frame: the events the client wants. Null when absent, which means every
    /// event.
    /// </summary>
    public string[]? Receive { get; init; }

    /// <summary>The client address of a welcome frame.</summary>
    public string? Address { get; init; }

    public string? SourceName { get; init; }

    public string? SourceAddress { get; init; }

    /// <summary>Whether the frame carries a <c>source</c> member (which a server replaces).</summary>
    public bool HasSource { get; init; }

    /// <summary>The error code of an error frame.</summary>
    public string? Code { get; init; }

    /// <summary>The error message of an error frame.</summary>
    public string? Message { get; init; }

    /// <summary>The sequence number a client gave an event frame, or the number an ack frame confirms.</summary>
    public long? Seq { get; init; }

    /// <summary>Whether a welcome frame states that the server acknowledges event frames.</summary>
    public bool Acks { get; init; }

    /// <summary>
    /// The <c>resume</c> member of a hello frame, or the replay members of a welcome frame; null when the frame has
    /// none. A separate object, because only handshake frames carry it.
    /// </summary>
    public FrameResume? Resume { get; init; }

    /// <summary>The byte range of the <c>args</c> array in the frame, empty when absent.</summary>
    public Range Args { get; init; }

    /// <summary>The byte range of the <c>kwargs</c> object in the frame, empty when absent.</summary>
    public Range Kwargs { get; init; }

    /// <summary>Reads the routing members of a frame.</summary>
    /// <exception cref="ProtocolException">The frame is not valid JSON or a member has the wrong type.</exception>
    public static Frame Parse(ReadOnlySpan<byte> json, int maxDepth = 64)
    {
        try
        {
            return ParseCore(json, maxDepth);
        }
        catch (JsonException exception)
        {
            throw new ProtocolException("invalid_json", $"The frame is not valid JSON: {exception.Message}", exception);
        }
        catch (InvalidOperationException exception)
        {
            throw new ProtocolException("invalid_frame", $"The frame has a member of the wrong type: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// Returns the top-level <c>seq</c> member of a frame that <see cref="Parse"/> rejected, when it is a non-negative
    /// integer and the frame's JSON syntax is valid up to it; otherwise null. Members of the wrong type before it do
    /// not matter.
    /// </summary>
    public static long? TryReadSequenceBeforeFault(ReadOnlySpan<byte> json, int maxDepth)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("seq"u8))
                {
                    reader.Read();
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seq) && seq >= 0 ? seq : null;
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // The fault comes before any seq member: invalid syntax, or a member name that is not valid text.
        }

        return null;
    }

    private static Frame ParseCore(ReadOnlySpan<byte> json, int maxDepth)
    {
        // Utf8JsonReader checks the encoding only of the strings it decodes, and the payload is relayed undecoded:
        // without this check one sender's invalid bytes would reach every receiver.
        if (!Utf8.IsValid(json))
        {
            throw new ProtocolException(
                "invalid_json",
                string.Create(CultureInfo.InvariantCulture, $"The frame is not valid UTF-8: the byte at offset {FirstInvalidByte(json)} (counted from 0) does not begin a valid UTF-8 sequence."));
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ProtocolException("invalid_frame", "A frame must be one JSON object on one line.");
        }

        string? type = null, signal = null, ns = null, name = null, code = null, message = null;
        EventId id = default;
        var hasId = false;
        string? sourceName = null, sourceAddress = null, address = null, token = null;
        var hasSource = false;
        var acks = false;
        long? seq = null;
        Range args = default, kwargs = default;
        FrameResume? resume = null;
        string[]? receive = null;

        // Each routing member may appear once: the server checks the last value and relays the bytes as they are, so a
        // receiver whose parser takes the first value would otherwise see a member the server never checked.
        var seen = 0;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            CheckMemberName(ref reader);
            if (reader.ValueTextEquals("signal"u8))
            {
                MarkOnce(ref seen, 1, "signal");
                signal = ReadCachedString(ref reader, "signal", nullable: false);
            }
            else if (reader.ValueTextEquals("args"u8))
            {
                MarkOnce(ref seen, 2, "args");
                args = ReadContainer(ref reader, JsonTokenType.StartArray, "args");
            }
            else if (reader.ValueTextEquals("kwargs"u8))
            {
                MarkOnce(ref seen, 4, "kwargs");
                kwargs = ReadContainer(ref reader, JsonTokenType.StartObject, "kwargs");
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                MarkOnce(ref seen, 32, "id");
                (hasId, id) = ReadId(ref reader, "id");
            }
            else if (reader.ValueTextEquals("namespace"u8))
            {
                MarkOnce(ref seen, 16, "namespace");
                ns = ReadCachedString(ref reader, "namespace", nullable: true);
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                MarkOnce(ref seen, 512, "source");
                hasSource = true;
                (sourceName, sourceAddress) = ReadSource(ref reader);
            }
            else if (reader.ValueTextEquals("time"u8))
            {
                // Every event frame has it and nothing reads it, so it is skipped here rather than after every other
                // member name has been compared.
                reader.Read();
                reader.Skip();
            }
            else if (reader.ValueTextEquals("seq"u8))
            {
                MarkOnce(ref seen, 256, "seq");
                seq = ReadSequence(ref reader);
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                MarkOnce(ref seen, 8, "type");
                type = ReadString(ref reader, "type", nullable: false);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                MarkOnce(ref seen, 64, "name");
                name = ReadString(ref reader, "name", nullable: true);
            }
            else if (reader.ValueTextEquals("token"u8))
            {
                MarkOnce(ref seen, 128, "token");
                token = ReadString(ref reader, "token", nullable: true);
            }
            else if (reader.ValueTextEquals("address"u8))
            {
                address = ReadString(ref reader, "address", nullable: true);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = ReadString(ref reader, "code", nullable: true);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                message = ReadString(ref reader, "message", nullable: true);
            }
            else if (reader.ValueTextEquals("acks"u8))
            {
                reader.Read();
                acks = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("receive"u8))
            {
                MarkOnce(ref seen, 1024, "receive");
                receive = ReadPatterns(ref reader);
            }
            else if (reader.ValueTextEquals("resume"u8))
            {
                MarkOnce(ref seen, 2048, "resume");
                resume = ReadResume(ref reader);
            }
            else if (reader.ValueTextEquals("run"u8))
            {
                resume ??= new FrameResume();
                resume.Run = ReadString(ref reader, "run", nullable: true);
            }
            else if (reader.ValueTextEquals("position"u8))
            {
                resume ??= new FrameResume();
                resume.Position = ReadPosition(ref reader, "position");
            }
            else if (reader.ValueTextEquals("replayed"u8))
            {
                resume ??= new FrameResume();
                resume.Replayed = ReadPosition(ref reader, "replayed") ?? 0;
            }
            else if (reader.ValueTextEquals("gap"u8))
            {
                resume ??= new FrameResume();
                reader.Read();
                resume.Gap = reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            throw new ProtocolException("invalid_frame", "A frame must be exactly one JSON object.");
        }

        var kind = ParseKind(type);
        if (kind == FrameKind.Event && signal is null)
        {
            throw new ProtocolException("invalid_frame", "An event frame needs a \"signal\" string member.");
        }

        return new Frame
        {
            Kind = kind,
            Signal = signal,
            Namespace = string.IsNullOrEmpty(ns) ? null : ns,
            Id = id,
            HasId = hasId,
            Name = name,
            Token = token,
            Address = address,
            Code = code,
            Message = message,
            SourceName = sourceName,
            SourceAddress = sourceAddress,
            HasSource = hasSource,
            Seq = seq,
            Acks = acks,
            Resume = resume,
            Receive = receive,
            Args = args,
            Kwargs = kwargs,
        };
    }

    private static void MarkOnce(ref int seen, int bit, string member)
    {
        if ((seen & bit) != 0)
        {
            throw new ProtocolException("invalid_frame", $"The member \"{member}\" appears more than once; send it once.");
        }

        seen |= bit;
    }

    private static FrameKind ParseKind(string? type) => type switch
    {
        null or "event" => FrameKind.Event,
        "hello" => FrameKind.Hello,
        "welcome" => FrameKind.Welcome,
        "ping" => FrameKind.Ping,
        "pong" => FrameKind.Pong,
        "ack" => FrameKind.Ack,
        "error" => FrameKind.Error,
        "bye" => FrameKind.Bye,
        _ => throw new ProtocolException("unknown_type", $"The frame type '{type}' is unknown."),
    };

    private static string? ReadString(ref Utf8JsonReader reader, string member, bool nullable)
    {
        reader.Read();
        return ReadCurrentString(ref reader, member, nullable);
    }

    /// <summary>Returns the offset of the first byte of <paramref name="json"/> that does not begin a valid UTF-8 character.</summary>
    private static int FirstInvalidByte(ReadOnlySpan<byte> json)
    {
        var offset = 0;
        while (offset < json.Length && Rune.DecodeFromUtf8(json[offset..], out _, out var consumed) == OperationStatus.Done)
        {
            offset += consumed;
        }

        return offset;
    }

    /// <summary>
    /// Rejects a member name with an escaped lone surrogate. Comparing such a name with a known one throws, so it is
    /// checked first, and only names with escapes need the check.
    /// </summary>
    private static void CheckMemberName(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return;
        }

        DecodeString(ref reader, "invalid_frame", "A member name");
    }

    /// <summary>
    /// Decodes the string or member name at the reader's token, rejecting one with an escaped lone surrogate such as
    /// <c>\ud800</c> with <paramref name="code"/> and a message that starts with <paramref name="subject"/>. The
    /// frame's UTF-8 is checked first, so such an escape is the only way the decoding can fail.
    /// </summary>
    private static string DecodeString(ref Utf8JsonReader reader, string code, string subject)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException exception)
        {
            throw new ProtocolException(
                code,
                $"{subject} is not valid text: it has an escaped UTF-16 surrogate (\\ud800 to \\udfff) without its pair.",
                exception);
        }
    }

    /// <summary>Reads the string at the reader's current token.</summary>
    private static string? ReadCurrentString(ref Utf8JsonReader reader, string member, bool nullable)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return DecodeString(ref reader, member == "signal" ? "invalid_signal" : "invalid_frame", $"The member \"{member}\"");
        }

        if (nullable && reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        throw new ProtocolException("invalid_frame", $"The member \"{member}\" must be a string, not {Describe(reader.TokenType)}.");
    }

    /// <summary>
    /// Reads a string member through <see cref="FrameStrings"/>, so that the signal and namespace names that every
    /// event repeats are not allocated again for each frame.
    /// </summary>
    private static string? ReadCachedString(ref Utf8JsonReader reader, string member, bool nullable)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return FrameStrings.Get(reader.ValueSpan);
        }

        return ReadCurrentString(ref reader, member, nullable);
    }

    /// <summary>Reads the id, parsing 32 hexadecimal digits straight from the UTF-8 bytes.</summary>
    private static (bool HasId, EventId Id) ReadId(ref Utf8JsonReader reader, string member)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return (false, default);
        }

        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence
            && EventId.TryParseCompact(reader.ValueSpan, out var compact))
        {
            return (true, compact);
        }

        var text = ReadCurrentString(ref reader, member, nullable: false);
        return (true, string.IsNullOrEmpty(text) ? default : EventId.Parse(text));
    }

    private static long? ReadSequence(ref Utf8JsonReader reader) => ReadPosition(ref reader, "seq");

    /// <summary>Reads a non-negative integer member, or null.</summary>
    private static long? ReadPosition(ref Utf8JsonReader reader, string member)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < 0)
        {
            throw new ProtocolException(
                "invalid_frame", $"The member \"{member}\" must be a non-negative integer no larger than {long.MaxValue}.");
        }

        return value;
    }

    /// <summary>Reads the <c>receive</c> patterns of a hello frame.</summary>
    private static string[]? ReadPatterns(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new ProtocolException(
                "invalid_frame",
                $"The member \"receive\" must be an array of at most {MaxReceivePatterns} pattern strings, not " +
                $"{Describe(reader.TokenType)}.");
        }

        var patterns = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (patterns.Count == MaxReceivePatterns)
            {
                throw new ProtocolException(
                    "invalid_frame",
                    $"The member \"receive\" has more than the maximum of {MaxReceivePatterns} patterns; use fewer, " +
                    "broader patterns such as \"chat_*\".");
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                throw new ProtocolException(
                    "invalid_frame",
                    $"The member \"receive\" must contain only pattern strings, but the entry at index {patterns.Count} " +
                    $"is {Describe(reader.TokenType)}.");
            }

            var pattern = DecodeString(ref reader, "invalid_frame", $"The pattern at index {patterns.Count} of \"receive\"");

            if (SignalNames.ValidatePattern(pattern) is { } problem)
            {
                throw new ProtocolException(
                    "invalid_frame",
                    $"The pattern {PatternText.Quote(pattern)} at index {patterns.Count} of \"receive\" is invalid: " +
                    $"{problem}.");
            }

            patterns.Add(pattern);
        }

        return [.. patterns];
    }

    /// <summary>Reads the <c>resume</c> object of a hello frame.</summary>
    private static FrameResume? ReadResume(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ProtocolException("invalid_frame", $"The member \"resume\" must be an object, not {Describe(reader.TokenType)}.");
        }

        var resume = new FrameResume();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            CheckMemberName(ref reader);
            if (reader.ValueTextEquals("client"u8))
            {
                resume.Client = ReadString(ref reader, "resume.client", nullable: true);
            }
            else if (reader.ValueTextEquals("run"u8))
            {
                resume.Run = ReadString(ref reader, "resume.run", nullable: true);
            }
            else if (reader.ValueTextEquals("position"u8))
            {
                resume.Position = ReadPosition(ref reader, "resume.position");
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                resume.Source = ReadString(ref reader, "resume.source", nullable: true);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                (resume.HasId, resume.Id) = ReadId(ref reader, "resume.id");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return resume;
    }

    private static Range ReadContainer(ref Utf8JsonReader reader, JsonTokenType expected, string member)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return default;
        }

        if (reader.TokenType != expected)
        {
            var shape = expected == JsonTokenType.StartArray ? "an array" : "an object";
            throw new ProtocolException("invalid_frame", $"The member \"{member}\" must be {shape}, not {Describe(reader.TokenType)}.");
        }

        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        var end = (int)reader.BytesConsumed;
        return start..end;
    }

    private static (string? Name, string? Address) ReadSource(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return (null, null);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ProtocolException("invalid_frame", $"The member \"source\" must be an object, not {Describe(reader.TokenType)}.");
        }

        string? name = null, address = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            CheckMemberName(ref reader);
            if (reader.ValueTextEquals("name"u8))
            {
                name = ReadCachedString(ref reader, "source.name", nullable: true);
            }
            else if (reader.ValueTextEquals("address"u8))
            {
                address = ReadCachedString(ref reader, "source.address", nullable: true);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return (name, address);
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
