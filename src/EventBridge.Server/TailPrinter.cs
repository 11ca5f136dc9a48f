using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EventBridge.Server;

/// <summary>The formats that <c>tail</c> prints events in.</summary>
internal enum TailFormat
{
    /// <summary>Readable columns: time, source, signal and payload.</summary>
    Plain,

    /// <summary>One JSON object per line with every member of the event.</summary>
    Json,
}

/// <summary>Writes received events to a stream, one line each, and flushes after every line.</summary>
internal sealed class TailPrinter
{
    private const int SourceWidth = 16;
    private const int SignalWidth = 24;

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        // Events are printed for people and log files, never embedded in HTML, so non-ASCII text stays readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Stream _output;
    private readonly TailFormat _format;
    private readonly ArrayBufferWriter<byte> _line = new(512);
    private readonly Lock _gate = new();

    public TailPrinter(Stream output, TailFormat format)
    {
        _output = output;
        _format = format;
    }

    public void Print(EventMessage message, DateTimeOffset receivedAt)
    {
        lock (_gate)
        {
            _line.ResetWrittenCount();
            if (_format == TailFormat.Json)
            {
                WriteJson(message, receivedAt);
            }
            else
            {
                WritePlain(message, receivedAt);
            }

            _line.Write("\n"u8);
            _output.Write(_line.WrittenSpan);
            _output.Flush();
        }
    }

    private void WriteJson(EventMessage message, DateTimeOffset receivedAt)
    {
        using var writer = new Utf8JsonWriter(_line, s_writerOptions);
        writer.WriteStartObject();
        writer.WriteString("time"u8, receivedAt.UtcDateTime);
        writer.WriteString("signal"u8, message.Signal);
        if (message.Namespace is null)
        {
            writer.WriteNull("namespace"u8);
        }
        else
        {
            writer.WriteString("namespace"u8, message.Namespace);
        }

        writer.WriteString("id"u8, message.Id.ToString());
        if (message.Source is null)
        {
            writer.WriteNull("source"u8);
        }
        else
        {
            writer.WriteStartObject("source"u8);
            writer.WriteString("name"u8, message.Source.Name);
            writer.WriteString("address"u8, message.Source.Address);
            writer.WriteEndObject();
        }

        writer.WritePropertyName("args"u8);
        message.WriteArgs(writer);
        writer.WritePropertyName("kwargs"u8);
        message.WriteKwargs(writer);
        writer.WriteEndObject();
    }

    private void WritePlain(EventMessage message, DateTimeOffset receivedAt)
    {
        var text = new StringBuilder(128);
        text.Append(receivedAt.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)).Append("  ");
        text.Append((message.Source?.Name ?? "-").PadRight(SourceWidth)).Append("  ");
        text.Append(message.ToString().PadRight(SignalWidth)).Append("  ");
        Encoding.UTF8.GetBytes(text.ToString(), _line);

        var args = message.GetArgsJson();
        if (!args.IsEmpty && !IsEmptyContainer(args.Span))
        {
            _line.Write(args.Span);
            _line.Write(" "u8);
        }

        var kwargs = message.GetKwargsJson();
        _line.Write(kwargs.IsEmpty ? "{}"u8 : kwargs.Span);
    }

    private static bool IsEmptyContainer(ReadOnlySpan<byte> json)
    {
        var inner = json.Trim(" \t\r\n"u8);
        return inner.Length >= 2 && inner[1..^1].Trim(" \t\r\n"u8).IsEmpty;
    }
}
