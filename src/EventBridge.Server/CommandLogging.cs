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
    private readonly string[] _quietCategories;

    /// <param name="defaultLevel">The minimum level when <c>--log-level</c> is not given.</param>
    /// <param name="quietCategories">
    /// Log categories that show only errors unless <c>--log-level</c> is given, because the command reports what they
    /// warn about in its own message.
    /// </param>
    public CommandLogging(LogLevel defaultLevel, params string[] quietCategories)
    {
        _quietCategories = quietCategories;
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
        var levelGiven = parse.GetResult(_level) is { Implicit: false };
        var format = parse.GetValue(_format);
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(level);
            if (!levelGiven)
            {
                foreach (var category in _quietCategories)
                {
                    builder.AddFilter(category, level > LogLevel.Error ? level : LogLevel.Error);
                }
            }

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
