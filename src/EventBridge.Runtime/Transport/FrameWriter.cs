using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EventBridge.Transport;

/// <summary>Writes protocol frames: one JSON object followed by <c>\n</c>.</summary>
internal static class FrameWriter
{
    /// <summary>
    /// Non-ASCII text stays as UTF-8 rather than <c>\u</c> escapes, which keeps frames readable and short. Frames are
    /// never embedded in HTML, so the relaxed encoder's HTML-safety trade-off does not apply.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The protocol version that hello and welcome frames announce.</summary>
    public const int ProtocolVersion = 1;

    /// <summary>
    /// Writes an event frame. <paramref name="source"/>, when given, replaces the event's own origin;
    /// <paramref name="seq"/>, when given, asks the server to acknowledge the frame.
    /// </summary>
    public static void WriteEvent(IBufferWriter<byte> output, EventMessage message, EventOrigin? source, long? seq = null)
    {
        var writer = Rent(output);
        writer.WriteStartObject();
        writer.WriteString("signal"u8, message.Signal);
        writer.WritePropertyName("args"u8);
        message.WriteArgs(writer);
        writer.WritePropertyName("kwargs"u8);
        message.WriteKwargs(writer);
        WriteId(writer, message.Id);
        if (message.Namespace is not null)
        {
            writer.WriteString("namespace"u8, message.Namespace);
        }

        if (source is not null)
        {
            WriteSource(writer, source);
        }

        writer.WriteNumber("time"u8, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (seq is { } value)
        {
            writer.WriteNumber("seq"u8, value);
        }

        writer.WriteEndObject();
        Return(writer, output);
    }

    /// <summary>
    /// Creates the start of a relayed event frame: <c>{"source":{...}</c> with <paramref name="source"/>, to be
    /// followed by a comma and the members of the frame as received, so the payload is forwarded without being
    /// parsed or re-encoded.
    /// </summary>
    public static byte[] CreateRelayPrefix(EventOrigin source)
    {
        var output = new ArrayBufferWriter<byte>(64);
        Write(output, "{\"source\":"u8);
        var writer = Rent(output);
        WriteSourceObject(writer, source);
        writer.Flush();
        writer.Reset();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Writes a control frame with a <c>type</c> and string members.</summary>
    public static void WriteControl(
        IBufferWriter<byte> output,
        string type,
        ReadOnlySpan<(string Name, string? Value)> members)
    {
        var writer = Rent(output);
        writer.WriteStartObject();
        writer.WriteString("type"u8, type);
        foreach (var (name, value) in members)
        {
            if (value is null)
            {
                writer.WriteNull(name);
            }
            else
            {
                writer.WriteString(name, value);
            }
        }

        writer.WriteEndObject();
        Return(writer, output);
    }

    private static void WriteId(Utf8JsonWriter writer, EventId id)
    {
        writer.WritePropertyName("id"u8);
        WriteIdValue(writer, id);
    }

    private static void WriteIdValue(Utf8JsonWriter writer, EventId id)
    {
        // A compact id is hexadecimal digits only, so its quoted UTF-8 text needs neither transcoding nor escaping.
        Span<byte> quoted = stackalloc byte[34];
        if (id.TryFormatCompactUtf8(quoted[1..33]))
        {
            quoted[0] = (byte)'"';
            quoted[33] = (byte)'"';
            writer.WriteRawValue(quoted, skipInputValidation: true);
            return;
        }

        Span<char> buffer = stackalloc char[64];
        if (id.FormattedLength <= buffer.Length && id.TryFormat(buffer, out var written))
        {
            writer.WriteStringValue(buffer[..written]);
        }
        else
        {
            writer.WriteStringValue(id.ToString());
        }
    }

    /// <summary>Writes a <c>hello</c> frame, which a client sends first to announce its name.</summary>
    public static void WriteHello(
        IBufferWriter<byte> output,
        string name,
        string? token = null,
        FrameResume? resume = null,
        IReadOnlyList<string>? receive = null)
    {
        var writer = Rent(output);
        writer.WriteStartObject();
        writer.WriteString("type"u8, "hello"u8);
        writer.WriteString("name"u8, name);
        if (token is not null)
        {
            writer.WriteString("token"u8, token);
        }

        if (receive is not null)
        {
            writer.WriteStartArray("receive"u8);
            foreach (var pattern in receive)
            {
                writer.WriteStringValue(pattern);
            }

            writer.WriteEndArray();
        }

        writer.WriteNumber("protocol"u8, ProtocolVersion);
        if (resume is not null)
        {
            writer.WriteStartObject("resume"u8);
            writer.WriteString("client"u8, resume.Client);
            if (resume.Run is not null)
            {
                writer.WriteString("run"u8, resume.Run);
                writer.WriteNumber("position"u8, resume.Position ?? 0);
            }

            if (resume.HasId && resume.Source is not null)
            {
                writer.WriteString("source"u8, resume.Source);
                WriteId(writer, resume.Id);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        Return(writer, output);
    }

    /// <summary>
    /// Writes the <c>welcome</c> frame sent in reply to a hello. <paramref name="replay"/> gives the server's run and
    /// the position the client starts from, when the server keeps events for replay.
    /// </summary>
    public static void WriteWelcome(
        IBufferWriter<byte> output, EventOrigin client, string serverName, int maxFrameBytes, FrameResume? replay = null)
    {
        var writer = Rent(output);
        writer.WriteStartObject();
        writer.WriteString("type"u8, "welcome"u8);
        writer.WriteString("name"u8, client.Name);
        writer.WriteString("address"u8, client.Address);
        writer.WriteString("server"u8, serverName);
        writer.WriteNumber("protocol"u8, ProtocolVersion);
        writer.WriteBoolean("acks"u8, true);
        writer.WriteNumber("max_frame_bytes"u8, maxFrameBytes);
        if (replay is not null)
        {
            writer.WriteString("run"u8, replay.Run);
            writer.WriteNumber("position"u8, replay.Position ?? 0);
            writer.WriteNumber("replayed"u8, replay.Replayed);
            writer.WriteBoolean("gap"u8, replay.Gap);
        }

        writer.WriteEndObject();
        Return(writer, output);
    }

    /// <summary>Writes an <c>ack</c> frame that confirms every event frame up to and including <paramref name="seq"/>.</summary>
    public static void WriteAck(IBufferWriter<byte> output, long seq)
    {
        var writer = Rent(output);
        writer.WriteStartObject();
        writer.WriteString("type"u8, "ack"u8);
        writer.WriteNumber("seq"u8, seq);
        writer.WriteEndObject();
        Return(writer, output);
    }

    /// <summary>Writes an <c>error</c> frame; <paramref name="seq"/> names the rejected event frame when it had one.</summary>
    public static void WriteError(IBufferWriter<byte> output, string code, string message, long? seq = null)
    {
        var writer = Rent(output);
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error"u8);
        writer.WriteString("code"u8, code);
        writer.WriteString("message"u8, message);
        if (seq is { } value)
        {
            writer.WriteNumber("seq"u8, value);
        }

        writer.WriteEndObject();
        Return(writer, output);
    }

    private static void WriteSource(Utf8JsonWriter writer, EventOrigin source)
    {
        writer.WritePropertyName("source"u8);
        WriteSourceObject(writer, source);
    }

    private static void WriteSourceObject(Utf8JsonWriter writer, EventOrigin source)
    {
        writer.WriteStartObject();
        writer.WriteString("name"u8, source.Name);
        if (source.Address is null)
        {
            writer.WriteNull("address"u8);
        }
        else
        {
            writer.WriteString("address"u8, source.Address);
        }

        writer.WriteEndObject();
    }

    private static Utf8JsonWriter Rent(IBufferWriter<byte> output)
    {
        var writer = t_writer;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(output, WriterOptions);
            t_writer = writer;
        }
        else
        {
            writer.Reset(output);
        }

        return writer;
    }

    private static void Return(Utf8JsonWriter writer, IBufferWriter<byte> output)
    {
        writer.Flush();
        writer.Reset();
        Write(output, "\n"u8);
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }
}
