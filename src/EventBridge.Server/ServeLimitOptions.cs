using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;

namespace EventBridge.Server;

/// <summary>
/// The <c>serve</c> command's options for the server's limits and authentication; <c>docs/limits.md</c> explains each
/// default.
/// </summary>
internal sealed class ServeLimitOptions
{
    private readonly Option<int> _maxJsonDepth;
    private readonly Option<int> _maxConnections;
    private readonly Option<long> _maxPendingBytes;
    private readonly Option<double> _writeTimeout;
    private readonly Option<double> _pingInterval;
    private readonly Option<double> _idleTimeout;
    private readonly Option<int> _duplicateWindow;
    private readonly Option<double> _handshakeTimeout;
    private readonly Option<int> _replayBytes;
    private readonly Option<int> _replayEvents;
    private readonly Option<double> _replayWindow;
    private readonly Option<string?> _replayFile;
    private readonly Option<bool> _requireToken;
    private readonly Option<string?> _tokenFile;

    private ServeLimitOptions(EventBridgeServerOptions defaults)
    {
        _maxJsonDepth = new Option<int>("--max-json-depth")
        {
            Description = "The maximum nesting depth of JSON in a frame; a deeper frame gets an invalid_json error frame.",
            DefaultValueFactory = _ => defaults.MaxJsonDepth,
            CustomParser = Validation.WholeNumber(1, 1000),
            HelpName = "levels",
        };
        _maxConnections = new Option<int>("--max-connections")
        {
            Description = "The maximum number of open client connections; a connection over it gets too_many_connections and is closed.",
            DefaultValueFactory = _ => defaults.MaxConnections,
            CustomParser = Validation.WholeNumber(1, int.MaxValue),
            HelpName = "count",
        };
        _maxPendingBytes = new Option<long>("--max-pending-bytes")
        {
            Description = "The maximum number of bytes queued for one client; a client over it is disconnected as a slow consumer. 0 for no limit.",
            DefaultValueFactory = _ => defaults.MaxPendingBytesPerClient,
            CustomParser = result => Validation.WholeNumber(0, int.MaxValue)(result),
            HelpName = "bytes",
        };
        _writeTimeout = new Option<double>("--write-timeout")
        {
            Description = "How long one write to a client may take before it is disconnected as a slow consumer, in seconds; 0 for no limit.",
            DefaultValueFactory = _ => defaults.WriteTimeout.TotalSeconds,
            CustomParser = Validation.NonNegativeSeconds,
            HelpName = "seconds",
        };
        _pingInterval = new Option<double>("--ping-interval")
        {
            Description = "How long a client may send nothing before the server pings it, in seconds; 0 turns server pings and the idle check off.",
            DefaultValueFactory = _ => defaults.PingInterval.TotalSeconds,
            CustomParser = Validation.NonNegativeSeconds,
            HelpName = "seconds",
        };
        _idleTimeout = new Option<double>("--idle-timeout")
        {
            Description = "How long a client that pings may stay silent before it is disconnected, in seconds; 0 for no limit.",
            DefaultValueFactory = _ => defaults.IdleTimeout.TotalSeconds,
            CustomParser = Validation.NonNegativeSeconds,
            HelpName = "seconds",
        };
        _duplicateWindow = new Option<int>("--duplicate-window")
        {
            Description = "The number of recent event ids remembered to drop events sent twice, from 0 to 100,000,000; 0 turns duplicate detection off.",
            DefaultValueFactory = _ => defaults.DuplicateWindow,
            CustomParser = Validation.WholeNumber(0, 100_000_000),
            HelpName = "ids",
        };
        _handshakeTimeout = new Option<double>("--handshake-timeout")
        {
            Description = "How long a new connection has to finish its TLS handshake (with a certificate) and to send a hello " +
                "with a valid token (when tokens are required), in seconds.",
            DefaultValueFactory = _ => defaults.HandshakeTimeout.TotalSeconds,
            CustomParser = Validation.PositiveSeconds,
            HelpName = "seconds",
        };
        _replayBytes = new Option<int>("--replay-bytes")
        {
            Description = "The bytes of recent events kept to replay to clients that reconnect: 0 turns replay off, else at least 65536.",
            DefaultValueFactory = _ => defaults.ReplayBufferBytes,
            CustomParser = ReplayBytes,
            HelpName = "bytes",
        };
        _replayEvents = new Option<int>("--replay-events")
        {
            Description = "The largest number of recent events kept to replay to clients that reconnect; 0 turns replay off.",
            DefaultValueFactory = _ => defaults.ReplayBufferEvents,
            CustomParser = Validation.WholeNumber(0, 100_000_000),
            HelpName = "count",
        };
        _replayWindow = new Option<double>("--replay-window")
        {
            Description = "How long a relayed event stays eligible for replay to a client that reconnects, in seconds.",
            DefaultValueFactory = _ => defaults.ReplayWindow.TotalSeconds,
            CustomParser = Validation.PositiveSeconds,
            HelpName = "seconds",
        };
        _replayFile = new Option<string?>("--replay-file")
        {
            Description = "A file that keeps the replay buffer across a graceful restart: written at stop, loaded and deleted at start.",
            HelpName = "path",
        };
        _requireToken = new Option<bool>("--require-token")
        {
            Description = $"Require every client to present the shared token read from the {TokenVariable} environment variable (kept out of the process list).",
        };
        // The command reads the file when it runs, not in a custom parser, so that the loader's one-line message is
        // the whole error, with no parse-error hint after it.
        _tokenFile = new Option<string?>("--token-file")
        {
            Description = "A JSON file of per-client tokens with publish and receive permissions (format in docs/limits.md).",
            HelpName = "path",
        };
    }

    /// <summary>The environment variable that holds the shared token for <c>--require-token</c>.</summary>
    public const string TokenVariable = "EVENTBRIDGE_TOKEN";

    public static ServeLimitOptions Create(EventBridgeServerOptions defaults) => new(defaults);

    public void AddTo(Command command)
    {
        command.Options.Add(_maxJsonDepth);
        command.Options.Add(_maxConnections);
        command.Options.Add(_maxPendingBytes);
        command.Options.Add(_writeTimeout);
        command.Options.Add(_pingInterval);
        command.Options.Add(_idleTimeout);
        command.Options.Add(_duplicateWindow);
        command.Options.Add(_handshakeTimeout);
        command.Options.Add(_replayBytes);
        command.Options.Add(_replayEvents);
        command.Options.Add(_replayWindow);
        command.Options.Add(_replayFile);
        command.Options.Add(_requireToken);
        command.Options.Add(_tokenFile);
        command.Validators.Add(result =>
        {
            var token = Environment.GetEnvironmentVariable(TokenVariable);
            if (result.GetValue(_requireToken) && string.IsNullOrEmpty(token))
            {
                result.AddError($"--require-token needs the shared token in the {TokenVariable} environment variable, which is not set.");
            }
            else if (result.GetValue(_requireToken) && string.IsNullOrWhiteSpace(token))
            {
                result.AddError(
                    $"--require-token needs the shared token in the {TokenVariable} environment variable, which contains only whitespace.");
            }
        });
    }

    /// <summary>
    /// Applies the limit and authentication options to <paramref name="options"/>. Returns false, with a message for
    /// the user, when the <c>--token-file</c> file cannot be read or is invalid.
    /// </summary>
    public bool TryApply(
        ParseResult parse,
        EventBridgeServerOptions options,
        [NotNullWhen(true)] out EventBridgeServerOptions? applied,
        out string error)
    {
        applied = null;
        IReadOnlyList<EventBridgeToken>? tokens = null;
        if (parse.GetValue(_tokenFile) is { } path && !TryReadTokenFile(path, out tokens, out error))
        {
            return false;
        }

        error = string.Empty;
        applied = options with
        {
            MaxJsonDepth = parse.GetValue(_maxJsonDepth),
            MaxConnections = parse.GetValue(_maxConnections),
            MaxPendingBytesPerClient = parse.GetValue(_maxPendingBytes),
            WriteTimeout = TimeSpan.FromSeconds(parse.GetValue(_writeTimeout)),
            PingInterval = TimeSpan.FromSeconds(parse.GetValue(_pingInterval)),
            IdleTimeout = TimeSpan.FromSeconds(parse.GetValue(_idleTimeout)),
            DuplicateWindow = parse.GetValue(_duplicateWindow),
            HandshakeTimeout = TimeSpan.FromSeconds(parse.GetValue(_handshakeTimeout)),
            ReplayBufferBytes = parse.GetValue(_replayBytes),
            ReplayBufferEvents = parse.GetValue(_replayEvents),
            ReplayWindow = TimeSpan.FromSeconds(parse.GetValue(_replayWindow)),
            ReplayFile = parse.GetValue(_replayFile),
            AuthToken = parse.GetValue(_requireToken) ? Environment.GetEnvironmentVariable(TokenVariable) : null,
            Tokens = tokens,
        };
        return true;
    }

    private static int ReplayBytes(ArgumentResult result)
    {
        var bytes = Validation.WholeNumber(0, int.MaxValue)(result);
        if (bytes is > 0 and < 64 * 1024)
        {
            result.AddError($"--replay-bytes must be 0, which turns replay off, or at least 65536; {bytes} would keep almost no event.");
        }

        return bytes;
    }

    private static bool TryReadTokenFile(
        string path,
        [NotNullWhen(true)] out IReadOnlyList<EventBridgeToken>? tokens,
        out string error)
    {
        error = string.Empty;
        try
        {
            tokens = EventBridgeToken.LoadFile(path);
            return true;
        }
        catch (FormatException exception)
        {
            // The loader's message names the file and the entry that is invalid.
            tokens = null;
            error = exception.Message;
            return false;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            tokens = null;
            error = $"Cannot read the token file '{path}': {exception.Message}";
            return false;
        }
    }
}
