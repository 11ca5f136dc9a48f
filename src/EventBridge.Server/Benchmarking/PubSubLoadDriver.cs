using System.Buffers;
using System.Diagnostics;
using System.Text.Json;

namespace EventBridge.Server.Benchmarking;

/// <summary>
/// A closed-loop publish and subscribe run: every publisher sends its events as fast as the server confirms them,
/// every subscriber receives every event, and each delivery is checked for loss, duplication and order. Latency is
/// measured in this process from a send timestamp carried in the payload, so both ends use the same clock.
/// </summary>
internal sealed class PubSubLoadDriver : ILoadDriver
{
    /// <summary>The signal that benchmark events use.</summary>
    public const string Signal = "bench.event";

    /// <summary>
    /// The number of unacknowledged events at which a publisher pauses until the server catches up. It is well below
    /// the outbox capacity, so a publisher never drops events for lack of room.
    /// </summary>
    private const int MaxInFlight = 4096;

    private readonly LoadSettings _settings;
    private long _published;
    private long _startTimestamp;
    private Subscriber[] _subscribers = [];

    public PubSubLoadDriver(LoadSettings settings)
    {
        _settings = settings;
    }

    public LoadProgress Progress
    {
        get
        {
            long delivered = 0;
            foreach (var subscriber in Volatile.Read(ref _subscribers))
            {
                delivered += Volatile.Read(ref subscriber.Received);
            }

            var start = Volatile.Read(ref _startTimestamp);
            var elapsed = start == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(start);
            return new LoadProgress(Volatile.Read(ref _published), delivered, elapsed);
        }
    }

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        var clients = new List<EventBridgeClient>();
        try
        {
            var subscribers = new Subscriber[_settings.Subscribers];
            for (var i = 0; i < subscribers.Length; i++)
            {
                subscribers[i] = new Subscriber(_settings);
                clients.Add(await ConnectAsync(subscribers[i].Bus, "bench-subscriber-" + i, publishOnly: false, cancellationToken).ConfigureAwait(false));
            }

            var publishers = new EventBridgeClient[_settings.Publishers];
            for (var i = 0; i < publishers.Length; i++)
            {
                publishers[i] = await ConnectAsync(new EventBus(), "bench-publisher-" + i, publishOnly: true, cancellationToken).ConfigureAwait(false);
                clients.Add(publishers[i]);
            }

            Volatile.Write(ref _subscribers, subscribers);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var start = Stopwatch.GetTimestamp();
            Volatile.Write(ref _startTimestamp, start);

            await Task.WhenAll(publishers.Select((client, index) =>
                Task.Run(() => PublishAsync(client, index, cancellationToken), cancellationToken))).ConfigureAwait(false);
            var publishElapsed = Stopwatch.GetElapsedTime(start);

            await WaitForDeliveriesAsync(subscribers, cancellationToken).ConfigureAwait(false);
            var cpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            var lastDelivery = subscribers.Max(subscriber => Volatile.Read(ref subscriber.LastTimestamp));

            return new LoadReport
            {
                Settings = _settings,
                Published = Volatile.Read(ref _published),
                Delivered = subscribers.Sum(subscriber => subscriber.InOrder),
                Duplicated = subscribers.Sum(subscriber => subscriber.Duplicated),
                Reordered = subscribers.Sum(subscriber => subscriber.Reordered),
                PublishElapsed = publishElapsed,
                Elapsed = lastDelivery > start ? Stopwatch.GetElapsedTime(start, lastDelivery) : publishElapsed,
                CpuTime = cpuTime,
                LatenciesMs = CollectLatencies(subscribers),
            };
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <param name="bus">The client's bus.</param>
    /// <param name="name">The client's name.</param>
    /// <param name="publishOnly">Whether the client only publishes, so that the server sends it no events.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    private async Task<EventBridgeClient> ConnectAsync(EventBus bus, string name, bool publishOnly, CancellationToken cancellationToken)
    {
        var client = new EventBridgeClient(bus, new EventBridgeClientOptions
        {
            Host = _settings.Host,
            Port = _settings.Port,
            Name = name,
            ReceivePatterns = publishOnly ? [] : null,
            OutboxCapacity = MaxInFlight * 2,
            OutboxOverflow = OutboxOverflow.DropNewest,
            CloseTimeout = _settings.Timeout,
        });
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task PublishAsync(EventBridgeClient client, int publisher, CancellationToken cancellationToken)
    {
        var padding = new string('x', _settings.PayloadBytes);
        var buffer = new ArrayBufferWriter<byte>(_settings.PayloadBytes + 96);
        for (var sequence = 0; sequence < _settings.EventsPerPublisher; sequence++)
        {
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteNumber("publisher"u8, publisher);
                writer.WriteNumber("seq"u8, sequence);
                writer.WriteNumber("sent"u8, Stopwatch.GetTimestamp());
                writer.WriteString("pad"u8, padding);
                writer.WriteEndObject();
            }

            client.Bus.Emit(EventMessage.FromJson(Signal, null, default, null, false, default, buffer.WrittenSpan.ToArray()));
            Interlocked.Increment(ref _published);

            while (client.OutboxCount >= MaxInFlight)
            {
                // Paced by the server's acknowledgements. The wait returns at once while the client is offline for
                // good, and the pause then keeps this loop from spinning.
                if (await client.WaitForOutboxBelowAsync(MaxInFlight / 2, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false)
                    >= MaxInFlight / 2)
                {
                    await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task WaitForDeliveriesAsync(Subscriber[] subscribers, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_settings.Timeout.TotalSeconds * Stopwatch.Frequency);
        var expected = _settings.ExpectedPublished;
        while (subscribers.Any(subscriber => Volatile.Read(ref subscriber.Received) < expected)
            && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    private static double[] CollectLatencies(Subscriber[] subscribers)
    {
        var all = new List<double>(subscribers.Sum(subscriber => subscriber.LatencyCount));
        var ticksPerMillisecond = Stopwatch.Frequency / 1000.0;
        foreach (var subscriber in subscribers)
        {
            for (var i = 0; i < subscriber.LatencyCount; i++)
            {
                all.Add(subscriber.Latencies[i] / ticksPerMillisecond);
            }
        }

        var sorted = all.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>One receiving client; its watcher runs on the client's read loop, one event at a time.</summary>
    private sealed class Subscriber
    {
        public readonly EventBus Bus = new();
        public readonly long[] Latencies;
        public long Received;
        public long InOrder;
        public long Duplicated;
        public long Reordered;
        public long LastTimestamp;
        public int LatencyCount;
        private readonly long[] _nextSequence;

        public Subscriber(LoadSettings settings)
        {
            Latencies = new long[settings.ExpectedPublished];
            _nextSequence = new long[settings.Publishers];
            Bus.Watch(OnEvent);
        }

        private void OnEvent(EventMessage message)
        {
            if (!message.IsRemote || message.Signal != Signal)
            {
                return;
            }

            var now = Stopwatch.GetTimestamp();
            var (publisher, sequence, sent) = ReadStamp(message.GetKwargsJson().Span);
            if (publisher < 0 || publisher >= _nextSequence.Length)
            {
                return;
            }

            var next = _nextSequence[publisher];
            if (sequence == next)
            {
                _nextSequence[publisher] = next + 1;
                InOrder++;
                if (LatencyCount < Latencies.Length)
                {
                    Latencies[LatencyCount++] = now - sent;
                }
            }
            else if (sequence < next)
            {
                Duplicated++;
            }
            else
            {
                // A gap: the events in between were lost or will arrive late, out of order.
                Reordered++;
                _nextSequence[publisher] = sequence + 1;
            }

            Volatile.Write(ref LastTimestamp, now);
            Interlocked.Increment(ref Received);
        }

        private static (int Publisher, long Sequence, long Sent) ReadStamp(ReadOnlySpan<byte> json)
        {
            int publisher = -1;
            long sequence = -1, sent = 0;
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                if (reader.ValueTextEquals("publisher"u8) && reader.Read())
                {
                    publisher = reader.GetInt32();
                }
                else if (reader.ValueTextEquals("seq"u8) && reader.Read())
                {
                    sequence = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("sent"u8) && reader.Read())
                {
                    sent = reader.GetInt64();
                }
            }

            return (publisher, sequence, sent);
        }
    }
}
