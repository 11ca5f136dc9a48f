using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NATS.Client.Core;
using StackExchange.Redis;

namespace EventBridge.LoadDriver.Compare;

/// <summary>One publishing connection of a peer system.</summary>
internal interface IPeerPublisher : IAsyncDisposable
{
    /// <summary>Sends one stamped event; completes once the client has taken it (not when it is delivered).</summary>
    ValueTask PublishAsync(int publisher, long seq, long sentAt, long scheduledAt);
}

/// <summary>The client side of one system under comparison: EventBridge, NATS or Redis pub/sub on 127.0.0.1.</summary>
internal abstract class Peer(int port)
{
    /// <summary>The subject, channel or signal that every measured event uses.</summary>
    public const string Subject = "load";

    /// <summary>Publisher index, sequence number, send time and scheduled send time, little-endian.</summary>
    public const int StampBytes = 28;

    public int Port { get; } = port;

    public abstract string Name { get; }

    /// <summary>The names of the systems that <see cref="Create"/> accepts.</summary>
    public static readonly string[] Systems = ["eventbridge", "nats", "redis"];

    public static Peer Create(string system, int port) => system switch
    {
        "eventbridge" => new EventBridgePeer(port),
        "nats" => new NatsPeer(port),
        "redis" => new RedisPeer(port),
        _ => throw new ArgumentException($"Unknown system '{system}'; expected eventbridge, nats or redis.", nameof(system)),
    };

    public abstract Task<IPeerPublisher> ConnectPublisherAsync(int index, int payloadBytes);

    /// <summary>Connects a subscriber that records every measured event in <paramref name="tally"/>.</summary>
    public abstract Task<IAsyncDisposable> ConnectSubscriberAsync(int index, StampedTally tally);

    /// <summary>The bytes an idle raw connection sends to complete its handshake and subscribe to nothing measured.</summary>
    protected abstract byte[] IdleHandshake(int index);

    /// <summary>
    /// Opens <paramref name="count"/> raw TCP connections that complete the handshake and then only read and discard
    /// what the server sends them.
    /// </summary>
    public async Task<IAsyncDisposable> ConnectIdleAsync(int count)
    {
        var idle = new IdleConnections();
        const int Parallel = 64;
        for (var first = 0; first < count; first += Parallel)
        {
            var batch = Enumerable.Range(first, Math.Min(Parallel, count - first)).Select(async i =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port));
                await socket.SendAsync(IdleHandshake(i));
                idle.Add(socket);
            });
            await Task.WhenAll(batch);
        }

        return idle;
    }

    protected static void WriteStamp(Span<byte> payload, int publisher, long seq, long sentAt, long scheduledAt)
    {
        BinaryPrimitives.WriteInt32LittleEndian(payload, publisher);
        BinaryPrimitives.WriteInt64LittleEndian(payload[4..], seq);
        BinaryPrimitives.WriteInt64LittleEndian(payload[12..], sentAt);
        BinaryPrimitives.WriteInt64LittleEndian(payload[20..], scheduledAt);
    }

    protected static void RecordStamp(ReadOnlySpan<byte> payload, StampedTally tally)
    {
        if (payload.Length < StampBytes)
        {
            tally.Record(-1, -1, 0, 0);
            return;
        }

        tally.Record(
            BinaryPrimitives.ReadInt32LittleEndian(payload),
            BinaryPrimitives.ReadInt64LittleEndian(payload[4..]),
            BinaryPrimitives.ReadInt64LittleEndian(payload[12..]),
            BinaryPrimitives.ReadInt64LittleEndian(payload[20..]));
    }

    protected static byte[] NewPayload(int payloadBytes)
    {
        var payload = new byte[Math.Max(StampBytes, payloadBytes)];
        payload.AsSpan(StampBytes).Fill((byte)'x');
        return payload;
    }

    private sealed class IdleConnections : IAsyncDisposable
    {
        private readonly List<Socket> _sockets = [];
        private readonly List<Task> _drains = [];

        // Every drain loop reads into this one array: the bytes are thrown away, so sharing it is harmless.
        private readonly byte[] _discard = new byte[64 * 1024];

        public void Add(Socket socket)
        {
            lock (_sockets)
            {
                _sockets.Add(socket);
                _drains.Add(DrainAsync(socket));
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            await Task.WhenAll(_drains).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        private async Task DrainAsync(Socket socket)
        {
            try
            {
                while (await socket.ReceiveAsync(_discard.AsMemory(), SocketFlags.None) > 0)
                {
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}

/// <summary>EventBridge through its own client: <see cref="EventBus.Emit{T}(string, T)"/> on one side, a generated consumer on the other.</summary>
internal sealed class EventBridgePeer(int port) : Peer(port)
{
    public override string Name => "eventbridge";

    public override async Task<IPeerPublisher> ConnectPublisherAsync(int index, int payloadBytes)
    {
        var client = new EventBridgeClient(new EventBus(), Workload.ClientOptions(Port, $"publisher-{index}", publishOnly: true));
        await client.ConnectAsync();
        return new Publisher(client, new string('x', Math.Max(0, payloadBytes - StampBytes)));
    }

    public override async Task<IAsyncDisposable> ConnectSubscriberAsync(int index, StampedTally tally)
    {
        var client = new EventBridgeClient(new EventBus(), Workload.ClientOptions(Port, $"subscriber-{index}"));
        client.Bus.Subscribe(new StampedSubscriber(tally));
        if (tally.TimesArrivals)
        {
            // Watchers run on the read loop as an event arrives, before its consumers are queued.
            client.Bus.Watch(message =>
            {
                if (message.Signal == Workload.Signal)
                {
                    tally.RecordArrival();
                }
            });
        }

        await client.ConnectAsync();
        return client;
    }

    protected override byte[] IdleHandshake(int index) =>
        Encoding.UTF8.GetBytes($"{{\"type\":\"hello\",\"name\":\"idle-{index}\",\"protocol\":1,\"receive\":[\"idle\"]}}\n");

    private sealed class Publisher(EventBridgeClient client, string padding) : IPeerPublisher
    {
        public async ValueTask PublishAsync(int publisher, long seq, long sentAt, long scheduledAt)
        {
            await Workload.PaceAsync(client);
            client.Bus.Emit(Workload.Signal, new LoadEvent(publisher, seq, sentAt, scheduledAt, padding));
        }

        public async ValueTask DisposeAsync()
        {
            while (client.OutboxCount > 0 && client.IsConnected)
            {
                await Task.Delay(1);
            }

            await client.DisposeAsync();
        }
    }
}

/// <summary>nats-server through <see cref="NatsConnection"/>, one connection per client.</summary>
internal sealed class NatsPeer(int port) : Peer(port)
{
    public override string Name => "nats";

    private NatsOpts Options(string name) => NatsOpts.Default with
    {
        Url = $"nats://127.0.0.1:{Port}",
        Name = name,

        // The default drops messages when a subscription's channel is full; a benchmark must not lose any.
        SubPendingChannelFullMode = System.Threading.Channels.BoundedChannelFullMode.Wait,
    };

    public override async Task<IPeerPublisher> ConnectPublisherAsync(int index, int payloadBytes)
    {
        var connection = new NatsConnection(Options($"publisher-{index}"));
        await connection.ConnectAsync();
        return new Publisher(connection, NewPayload(payloadBytes));
    }

    public override async Task<IAsyncDisposable> ConnectSubscriberAsync(int index, StampedTally tally)
    {
        var connection = new NatsConnection(Options($"subscriber-{index}"));
        await connection.ConnectAsync();
        var subscription = await connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(
            Subject,
            opts: new NatsSubOpts
            {
                ChannelOpts = new NatsSubChannelOpts { FullMode = System.Threading.Channels.BoundedChannelFullMode.Wait },
            });

        // The round trip makes sure the server has the subscription before anything is published.
        await connection.PingAsync();
        var loop = Task.Run(async () =>
        {
            await foreach (var message in subscription.Msgs.ReadAllAsync())
            {
                using var data = message.Data;
                RecordStamp(data.Span, tally);
            }
        });
        return new Subscription(connection, subscription, loop);
    }

    protected override byte[] IdleHandshake(int index) =>
        Encoding.ASCII.GetBytes($"CONNECT {{\"verbose\":false,\"pedantic\":false,\"name\":\"idle-{index}\"}}\r\nSUB idle {index}\r\n");

    private sealed class Publisher(NatsConnection connection, byte[] payload) : IPeerPublisher
    {
        public ValueTask PublishAsync(int publisher, long seq, long sentAt, long scheduledAt)
        {
            // PublishAsync copies the payload into the connection's buffer before it completes, so one array is reused.
            WriteStamp(payload, publisher, seq, sentAt, scheduledAt);
            return connection.PublishAsync(Subject, payload);
        }

        public async ValueTask DisposeAsync()
        {
            await connection.PingAsync();
            await connection.DisposeAsync();
        }
    }

    private sealed class Subscription(NatsConnection connection, INatsSub<NatsMemoryOwner<byte>> subscription, Task loop)
        : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await subscription.DisposeAsync();
            await connection.DisposeAsync();
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}

/// <summary>Redis pub/sub through StackExchange.Redis, one multiplexer per client.</summary>
internal sealed class RedisPeer(int port) : Peer(port)
{
    private static readonly RedisChannel s_channel = RedisChannel.Literal(Subject);

    public override string Name => "redis";

    private Task<ConnectionMultiplexer> ConnectAsync(string name) => ConnectionMultiplexer.ConnectAsync(
        new ConfigurationOptions { EndPoints = { { "127.0.0.1", Port } }, ClientName = name, AbortOnConnectFail = true });

    public override async Task<IPeerPublisher> ConnectPublisherAsync(int index, int payloadBytes) =>
        new Publisher(await ConnectAsync($"publisher-{index}"), payloadBytes);

    public override async Task<IAsyncDisposable> ConnectSubscriberAsync(int index, StampedTally tally)
    {
        var multiplexer = await ConnectAsync($"subscriber-{index}");
        var queue = await multiplexer.GetSubscriber().SubscribeAsync(s_channel);
        var loop = Task.Run(async () =>
        {
            while (true)
            {
                ChannelMessage message;
                try
                {
                    message = await queue.ReadAsync();
                }
                catch (System.Threading.Channels.ChannelClosedException)
                {
                    return;
                }

                RecordStamp(((ReadOnlyMemory<byte>)message.Message).Span, tally);
            }
        });
        return new Subscription(multiplexer, queue, loop);
    }

    protected override byte[] IdleHandshake(int index) => "SUBSCRIBE idle\r\n"u8.ToArray();

    private sealed class Publisher(ConnectionMultiplexer multiplexer, int payloadBytes) : IPeerPublisher
    {
        private readonly ISubscriber _subscriber = multiplexer.GetSubscriber();

        public ValueTask PublishAsync(int publisher, long seq, long sentAt, long scheduledAt)
        {
            // The multiplexer writes the value later, so each event needs its own array.
            var payload = NewPayload(payloadBytes);
            WriteStamp(payload, publisher, seq, sentAt, scheduledAt);
            _ = _subscriber.Publish(s_channel, payload, CommandFlags.FireAndForget);
            return default;
        }

        public async ValueTask DisposeAsync()
        {
            await multiplexer.GetDatabase().PingAsync();
            await multiplexer.DisposeAsync();
        }
    }

    private sealed class Subscription(ConnectionMultiplexer multiplexer, ChannelMessageQueue queue, Task loop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await queue.UnsubscribeAsync();
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await multiplexer.DisposeAsync();
        }
    }
}

/// <summary>Records each load event that reaches an EventBridge subscriber's bus.</summary>
internal sealed partial class StampedSubscriber(StampedTally tally)
{
    [Consumer(Workload.Signal)]
    public void OnLoad(LoadEvent load) => tally.Record(load.Publisher, load.Seq, load.SentAt, load.ScheduledAt);
}
