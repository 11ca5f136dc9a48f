using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace EventBridge.Server;

/// <summary>The formats that log messages can be written in.</summary>
internal enum LogFormat
{
    /// <summary>One readable line per message.</summary>
    Plain,

    /// <summary>One JSON object per line, for log collectors.</summary>
    Json,
}

/// <summary>The <c>--log-level</c> and <c>--log-format</c> options and the logger factory they configure.</summary>
internal sealed class CommandLogging
{
    private readonly Option<LogLevel> _level;
    private readonly Option<LogFormat> _format;

    public CommandLogging(LogLevel defaultLevel)
    {
        _level = new Option<LogLevel>("--log-level")
        {
            Description = "The minimum level of log messages, which go to standard error.",
            DefaultValueFactory = _ => defaultLevel,
        };
        _format = new Option<LogFormat>("--log-format")
        {
            Description = "How log messages are written: plain lines, or JSON objects one per line.",
            DefaultValueFactory = _ => LogFormat.Plain,
        };
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_level);
        command.Options.Add(_format);
    }

    /// <summary>Creates a logger factory that writes every message to standard error, keeping standard output for data.</summary>
    public ILoggerFactory CreateFactory(ParseResult parse)
    {
        var level = parse.GetValue(_level);
        var format = parse.GetValue(_format);
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(level);
            builder.AddConsole(console =>
            {
                console.LogToStandardErrorThreshold = LogLevel.Trace;
                console.FormatterName = format == LogFormat.Json ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple;
            });
            if (format == LogFormat.Json)
            {
                builder.AddJsonConsole(json =>
                {
                    json.UseUtcTimestamp = true;
                    json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    json.JsonWriterOptions = new JsonWriterOptions { Indented = false };
                });
            }
            else
            {
                builder.AddSimpleConsole(plain =>
                {
                    plain.SingleLine = true;
                    plain.TimestampFormat = "HH:mm:ss.fff ";
                });
            }
        });
    }
}
