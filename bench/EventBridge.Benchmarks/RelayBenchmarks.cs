using System.Net;
using System.Net.Sockets;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace EventBridge.Benchmarks;

/// <summary>
/// The server's relay path at steady state, over real loopback sockets: a raw publisher socket writes event frames
/// that carry an id, the server relays each to one raw subscriber socket, and the benchmark waits until the subscriber
/// has read every relayed line. The clients are raw sockets that allocate nothing per event, so the allocations that
/// <see cref="MemoryDiagnoserAttribute"/> reports (process-wide, divided by <see cref="EventsPerInvoke"/>) are the
/// server's per relayed event.
/// </summary>
[MemoryDiagnoser]
public class RelayBenchmarks
{
    private const int EventsPerInvoke = 10_000;

    private const int ChunkBytes = 1 << 20;

    /// <summary>Where the 16 hex digits that make each frame's id unique start, counted from the end of the frame.</summary>
    private const int IdTailFromEnd = 3 + 16;

    private readonly ManualResetEventSlim _delivered = new();
    private EventBridgeServer _server = null!;
    private Socket _publisher = null!;
    private Socket _subscriber = null!;
    private Task _publisherDrain = null!;
    private Task _subscriberDrain = null!;
    private byte[] _frames = null!;
    private int[] _frameEnds = null!;
    private long _nextId;
    private long _lines;
    private long _target = long.MaxValue;

    /// <summary>The length of the padding string in each event's kwargs, in bytes.</summary>
    [Params(64, 4000)]
    public int PaddingBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = new EventBridgeServer(new EventBridgeServerOptions { Port = 0 });
        _server.StartAsync().GetAwaiter().GetResult();
        _subscriber = Connect("subscriber");
        _subscriberDrain = Task.Run(() => DrainAsync(_subscriber, countLines: true));
        _publisher = Connect("publisher");
        _publisherDrain = Task.Run(() => DrainAsync(_publisher, countLines: false));
        WaitFor(() => _server.Clients.Count == 2 && Volatile.Read(ref _lines) >= 1);

        var frames = new MemoryStream();
        _frameEnds = new int[EventsPerInvoke];
        var padding = new string('x', PaddingBytes);
        for (var i = 0; i < EventsPerInvoke; i++)
        {
            var frame = $"{{\"signal\":\"load\",\"args\":[],\"kwargs\":{{\"n\":{i},\"padding\":\"{padding}\"}},\"id\":\"00000000000000010000000000000000\"}}\n";
            frames.Write(Encoding.UTF8.GetBytes(frame));
            _frameEnds[i] = (int)frames.Length;
        }

        _frames = frames.ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _publisher.Dispose();
        _subscriber.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Task.WhenAll(_publisherDrain, _subscriberDrain).Wait(TimeSpan.FromSeconds(5));
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvoke, Description = "Relay one event to one subscriber")]
    public void Relay()
    {
        // Each frame gets a new id, since the server drops an id it has seen recently as a duplicate.
        foreach (var end in _frameEnds)
        {
            WriteHex(_frames.AsSpan(end - IdTailFromEnd, 16), (ulong)++_nextId);
        }

        // Frames go out in chunks of about 1 MiB, each delivered before the next is sent, so that the subscriber's
        // queue on the server stays under its pending-bytes limit, past which the server drops a slow subscriber.
        var first = 0;
        while (first < EventsPerInvoke)
        {
            var start = first == 0 ? 0 : _frameEnds[first - 1];
            var last = first;
            while (last + 1 < EventsPerInvoke && _frameEnds[last + 1] - start <= ChunkBytes)
            {
                last++;
            }

            _delivered.Reset();
            Volatile.Write(ref _target, Volatile.Read(ref _lines) + (last - first + 1));
            _publisher.Send(_frames.AsSpan(start, _frameEnds[last] - start));
            if (!_delivered.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"The subscriber received {Volatile.Read(ref _lines)} of {Volatile.Read(ref _target)} lines.");
            }

            first = last + 1;
        }
    }

    private Socket Connect(string name)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(new IPEndPoint(IPAddress.Loopback, _server.Port));
        socket.Send(Encoding.UTF8.GetBytes($"{{\"type\":\"hello\",\"name\":\"{name}\",\"protocol\":1}}\n"));
        return socket;
    }

    private async Task DrainAsync(Socket socket, bool countLines)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false)) > 0)
            {
                if (!countLines)
                {
                    continue;
                }

                var lines = Interlocked.Add(ref _lines, buffer.AsSpan(0, read).Count((byte)'\n'));
                if (lines >= Volatile.Read(ref _target))
                {
                    _delivered.Set();
                }
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static void WriteHex(Span<byte> destination, ulong value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)"0123456789abcdef"[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The relay benchmark's clients did not connect within 10 s.");
            }

            Thread.Sleep(10);
        }
    }
}
