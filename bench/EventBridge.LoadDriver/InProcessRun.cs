using System.Diagnostics;

namespace EventBridge.LoadDriver;

/// <summary>
/// Runs every client in this process, each with its own bus and connection, and the server too unless a port names a
/// separate one.
/// </summary>
internal static class InProcessRun
{
    public static async Task<int> RunAsync(Workload workload, int port)
    {
        await using var server = port == 0 ? new EventBridgeServer(new EventBridgeServerOptions { Port = 0 }) : null;
        if (server is not null)
        {
            await server.StartAsync();
            port = server.Port;
        }

        var clients = new List<EventBridgeClient>();
        try
        {
            var subscribers = new List<Subscriber>();
            for (var i = 0; i < workload.Subscribers; i++)
            {
                var subscriber = new Subscriber(new Tally(workload.Publishers, workload.Events));
                var client = new EventBridgeClient(new EventBus(), Workload.ClientOptions(port, $"subscriber-{i}"));
                client.Bus.Subscribe(subscriber);
                clients.Add(client);
                if (!await Workload.TryConnectAsync(client, port))
                {
                    return 1;
                }

                subscribers.Add(subscriber);
            }

            var publishers = new List<EventBridgeClient>();
            for (var i = 0; i < workload.Publishers; i++)
            {
                var client = new EventBridgeClient(new EventBus(), Workload.ClientOptions(port, $"publisher-{i}", publishOnly: true));
                clients.Add(client);
                if (!await Workload.TryConnectAsync(client, port))
                {
                    return 1;
                }

                publishers.Add(client);
            }

            if (server is not null)
            {
                while (server.Clients.Count < clients.Count)
                {
                    await Task.Delay(5);
                }
            }

            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
            var report = new Report { StartedAt = Stopwatch.GetTimestamp() };
            await Task.WhenAll(publishers.Select((client, index) => Task.Run(() => workload.PublishAsync(client, index))));
            var tallies = subscribers.Select(s => s.Tally).ToList();
            await Workload.WaitForDeliveryAsync(tallies);
            report.CpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            report.AllocatedBytes = GC.GetTotalAllocatedBytes() - allocatedBefore;
            report.Collections = [.. collectionsBefore.Select((before, generation) => GC.CollectionCount(generation) - before)];
            foreach (var tally in tallies)
            {
                report.Add(tally);
            }

            return report.Print(workload, server is null ? "separate-server" : "in-process");
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
