using System.Net.Sockets;

namespace EventBridge.Samples.Chat;

/// <summary>Reads lines from the terminal and sends each one as a chat message.</summary>
internal static class InteractiveChat
{
    public static async Task<int> RunAsync(string name, string host, int port)
    {
        await using var user = new ChatUser(name, host, port, line => Console.WriteLine(line));
        try
        {
            await user.ConnectAsync();
        }
        catch (Exception exception) when (exception is SocketException or TimeoutException or IOException)
        {
            Console.Error.WriteLine(
                $"Cannot reach an EventBridge server at {host}:{port}: {exception.Message}. " +
                "Start one with: dotnet run --project src/EventBridge.Server -- serve");
            return 1;
        }

        Console.WriteLine(
            $"Connected to {host}:{port} as {name}. Type a message and press Enter; /who lists who is online; " +
            "/quit or Ctrl+D quits.");
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "/quit")
            {
                break;
            }

            if (line == "/who")
            {
                var online = await user.WhoAsync(TimeSpan.FromSeconds(1));
                Console.WriteLine($"*** online: {string.Join(", ", online)}");
            }
            else if (line.Length > 0)
            {
                user.Say(line);
            }
        }

        return 0;
    }
}
