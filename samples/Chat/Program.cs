using EventBridge.Samples.Chat;

const string usage = """
    Usage:
      dotnet run --project samples/Chat -- demo                 three users chat through an embedded server
      dotnet run --project samples/Chat -- NAME [HOST] [PORT]   chat as NAME through a running server
                                                                 (default 127.0.0.1 8888)
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(usage);
    return args.Length == 0 ? 2 : 0;
}

if (args[0] == "demo")
{
    return await ChatDemo.RunAsync();
}

var host = args.Length > 1 ? args[1] : "127.0.0.1";
var port = 8888;
if (args.Length > 2 && (!int.TryParse(args[2], out port) || port is < 1 or > 65535))
{
    Console.Error.WriteLine($"'{args[2]}' is not a valid port number; use a number from 1 to 65535.");
    return 2;
}

if (string.IsNullOrWhiteSpace(args[0]) || args[0].Any(char.IsControl))
{
    Console.Error.WriteLine("The chat name must contain visible characters, for example: Alice.");
    return 2;
}

return await InteractiveChat.RunAsync(args[0], host, port);
