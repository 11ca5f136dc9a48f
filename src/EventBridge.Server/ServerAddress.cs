using System.CommandLine;
using System.Net;

namespace EventBridge.Server;

/// <summary>The options that tell a client command which server to connect to, and how long to wait for it.</summary>
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
        Description = "How long to wait for the server to accept the connection and welcome the client, in seconds.",
        DefaultValueFactory = _ => 5,
        CustomParser = Validation.PositiveSeconds,
        HelpName = "seconds",
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

    public void AddTo(Command command)
    {
        command.Options.Add(_host);
        command.Options.Add(_port);
        command.Options.Add(_name);
        command.Options.Add(_connectTimeout);
    }

    public EventBridgeClientOptions CreateClientOptions(ParseResult parse, Microsoft.Extensions.Logging.ILoggerFactory loggerFactory) => new()
    {
        Host = parse.GetValue(_host)!,
        Port = parse.GetValue(_port),
        Name = parse.GetValue(_name)!,
        ConnectTimeout = TimeSpan.FromSeconds(parse.GetValue(_connectTimeout)),
        LoggerFactory = loggerFactory,
    };
}
