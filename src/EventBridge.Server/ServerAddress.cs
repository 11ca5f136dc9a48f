using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EventBridge.Server;

/// <summary>The options that tell a client command which server to connect to, how, and how long to wait for it.</summary>
internal sealed class ServerAddress
{
    private readonly Option<string> _host = new("--host")
    {
        Description = "The server's host name or address.",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    private readonly Option<int> _port = new("--port", "-p")
    {
        Description = "The server's TCP port.",
        DefaultValueFactory = _ => 8888,
        CustomParser = Validation.WholeNumber(1, IPEndPoint.MaxPort),
    };

    private readonly Option<double> _connectTimeout = new("--connect-timeout")
    {
        Description = "How long to wait for the server to accept the connection, finish the TLS handshake and welcome the client, in seconds.",
        DefaultValueFactory = _ => 5,
        CustomParser = Validation.PositiveSeconds,
        HelpName = "seconds",
    };

    private readonly Option<bool> _tls = new("--tls")
    {
        Description = "Connect with TLS and check the server's certificate against the system's trusted CAs.",
    };

    // The command reads the file when it runs, not in a custom parser, so that the loader's one-line message is
    // the whole error, with no parse-error hint after it.
    private readonly Option<string?> _tlsCa = new("--tls-ca")
    {
        Description = "Connect with TLS and trust the CA certificates in this PEM or DER file, in place of the system's " +
            "trusted CAs; for a server with a private CA or a self-signed certificate. Implies --tls.",
        HelpName = "path",
    };

    private readonly Option<string?> _tlsServerName = new("--tls-server-name")
    {
        Description = "The name the server's TLS certificate must be issued for. Default: the --host value. Implies --tls.",
        HelpName = "name",
    };

    private readonly Option<string> _name;

    public ServerAddress(string defaultName)
    {
        _name = new Option<string>("--name")
        {
            Description = "The client name announced to the server; other clients see it as the source of events.",
            DefaultValueFactory = _ => defaultName,
        };
    }

    /// <summary>Returns the message for a failed connection attempt, with the options that may fix it.</summary>
    /// <param name="exception">The failure of the last attempt.</param>
    /// <param name="options">The options the attempts used.</param>
    /// <param name="tried">How long and how often the command tried, such as "within 10.0 s (14 attempts)", or null.</param>
    public static string DescribeConnectFailure(Exception exception, EventBridgeClientOptions options, string? tried = null)
    {
        // Socket errors come without a final period, and the messages of this project's exceptions with one.
        var server = $"the EventBridge server at {options.Host}:{options.Port}";
        var failure = tried is null
            ? $"Cannot connect to {server}: {exception.Message.TrimEnd('.')}. "
            : $"Cannot connect to {server} {tried}: {exception.Message.TrimEnd('.')}. ";
        if (exception is not AuthenticationException)
        {
            return failure + "Check that 'eventbridge serve' runs there, or pass --host and --port.";
        }

        // A refused or missing token comes as an error frame whose message names the token.
        if (exception.Message.Contains("token", StringComparison.OrdinalIgnoreCase))
        {
            return failure + $"Set the {ServeLimitOptions.TokenVariable} environment variable to a token the server accepts.";
        }

        return options.Tls is null
            ? failure + "For a server with TLS, pass --tls, or --tls-ca with the CA certificate of a private CA."
            : failure + "Use --tls-ca to trust a private CA or a self-signed certificate, --tls-server-name to check " +
              "another name, or leave out the TLS options for a server without TLS.";
    }

    /// <summary>Whether a connection attempt failed for a reason that the command reports instead of throwing.</summary>
    public static bool IsConnectFailure(Exception exception) =>
        exception is SocketException or TimeoutException or IOException or AuthenticationException;

    public void AddTo(Command command)
    {
        command.Options.Add(_host);
        command.Options.Add(_port);
        command.Options.Add(_name);
        command.Options.Add(_connectTimeout);
        command.Options.Add(_tls);
        command.Options.Add(_tlsCa);
        command.Options.Add(_tlsServerName);
    }

    /// <summary>
    /// Creates the client options from the parsed command line. Returns false, with a message for the user, when the
    /// <c>--tls-ca</c> file cannot be read.
    /// </summary>
    public bool TryCreateClientOptions(
        ParseResult parse,
        Microsoft.Extensions.Logging.ILoggerFactory loggerFactory,
        [NotNullWhen(true)] out EventBridgeClientOptions? options,
        out string error)
    {
        options = null;
        X509Certificate2Collection? caCertificates = null;
        if (parse.GetValue(_tlsCa) is { } caPath && !TryReadCaFile(caPath, out caCertificates, out error))
        {
            return false;
        }

        error = string.Empty;
        var serverName = parse.GetValue(_tlsServerName);
        var useTls = parse.GetValue(_tls) || caCertificates is not null || serverName is not null;
        options = new EventBridgeClientOptions
        {
            Host = parse.GetValue(_host)!,
            Port = parse.GetValue(_port),
            Name = parse.GetValue(_name)!,
            ConnectTimeout = TimeSpan.FromSeconds(parse.GetValue(_connectTimeout)),
            LoggerFactory = loggerFactory,
            Tls = useTls ? new EventBridgeClientTlsOptions { CaCertificates = caCertificates, TargetHost = serverName } : null,

            // The token comes from the environment, as for serve --require-token, so that it never shows in the
            // process list.
            AuthToken = Environment.GetEnvironmentVariable(ServeLimitOptions.TokenVariable) is { Length: > 0 } token ? token : null,
        };
        return true;
    }

    private static bool TryReadCaFile(
        string path,
        [NotNullWhen(true)] out X509Certificate2Collection? certificates,
        out string error)
    {
        error = string.Empty;
        try
        {
            certificates = EventBridgeClientTlsOptions.LoadCaCertificates(path);
            return true;
        }
        catch (CryptographicException exception)
        {
            // The loader's message names the file and states what is wrong with its content.
            certificates = null;
            error = exception.Message;
            return false;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            certificates = null;
            error = $"Cannot read the CA certificate file '{path}': {exception.Message}";
            return false;
        }
    }
}
