using System.Diagnostics;

namespace EventBridge.Samples.Chat;

/// <summary>
/// Starts a server on a free port and three users who talk through it over TCP, then prints what each one saw.
/// </summary>
internal static class ChatDemo
{
    private static readonly (string User, string Text)[] s_script =
    [
        ("Alice", "Hello everyone!"),
        ("Bob", "Hi Alice, good to see you."),
        ("Carol", "Hey both! Is the build green?"),
        ("Alice", "Green on my machine. Shipping it."),
        ("Bob", "Ship it."),
    ];

    public static async Task<int> RunAsync()
    {
        await using var server = new EventBridgeServer(new EventBridgeServerOptions { Port = 0 });
        await server.StartAsync();
        Console.WriteLine($"Server listening on {server.LocalEndPoint}");

        var users = new List<ChatUser>();
        var output = new object();
        try
        {
            foreach (var name in new[] { "Alice", "Bob", "Carol" })
            {
                var user = new ChatUser(name, "127.0.0.1", server.Port, line =>
                {
                    lock (output)
                    {
                        Console.WriteLine($"  [{name}'s screen] {line}");
                    }
                });
                await user.ConnectAsync();
                users.Add(user);
                Console.WriteLine($"{name} joined.");
            }

            var expected = new Dictionary<string, int>();
            foreach (var (speaker, text) in s_script)
            {
                foreach (var user in users.Where(u => u.Name != speaker))
                {
                    expected[user.Name] = expected.GetValueOrDefault(user.Name) + 1;
                }

                lock (output)
                {
                    Console.WriteLine($"{speaker} says: {text}");
                }

                var before = users.Where(u => u.Name != speaker).Select(u => u.Received).ToArray();
                users.Single(u => u.Name == speaker).Say(text);

                // Wait for the line to reach everyone before the next speaker, so the transcript reads in order.
                var listeners = users.Where(u => u.Name != speaker).ToArray();
                if (!await WaitUntilAsync(() => listeners.Select((u, i) => u.Received > before[i]).All(x => x)))
                {
                    Console.Error.WriteLine($"A message from {speaker} did not reach every other user within 10 seconds.");
                    return 1;
                }
            }

            foreach (var user in users)
            {
                if (user.Received != expected[user.Name])
                {
                    Console.Error.WriteLine(
                        $"{user.Name} received {user.Received} messages, but {expected[user.Name]} were sent by others.");
                    return 1;
                }
            }

            Console.WriteLine(
                $"Done: {s_script.Length} messages, each delivered to the two other users through the server.");
            return 0;
        }
        finally
        {
            foreach (var user in users)
            {
                await user.DisposeAsync();
            }
        }
    }

    private static async Task<bool> WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }
}
