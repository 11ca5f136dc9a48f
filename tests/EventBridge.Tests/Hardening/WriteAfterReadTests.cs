using System.Net;
using System.Net.Sockets;
using System.Text;
using EventBridge.Transport;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Hardening;

/// <summary>
/// Frames that a read loop queues for another connection, which that read loop writes itself once the read is
/// handled: order, completeness and closing when the receiver's socket buffer fills and the write loop takes over.
/// </summary>
public sealed class WriteAfterReadTests
{
    private const int FramesPerTrigger = 400;

    [Fact]
    public async Task QueuedDuringRead_ArriveInOrder()
    {
        // Each trigger line makes the read loop queue 400 frames of about 2 KiB: 800 KiB, more than the socket buffers
        // take while the peer does not read. One frame near the end is larger than a write batch.
        const int Triggers = 3;
        await using var pair = await ConnectionPair.CreateAsync();
        var handled = 0;
        var reading = pair.Source.ReadFramesAsync(
            line =>
            {
                var trigger = Interlocked.Increment(ref handled) - 1;
                for (var i = 0; i < FramesPerTrigger; i++)
                {
                    var sequence = (trigger * FramesPerTrigger) + i;
                    Assert.Equal(SendResult.Queued, pair.Target.Send(Frame(sequence)));
                }

                return default;
            },
            _ => { });

        for (var i = 0; i < Triggers; i++)
        {
            await pair.SourcePeer.SendAsync("go\n"u8.ToArray());
        }

        // Reading starts only after all triggers were handled, so the target's socket buffer was full meanwhile.
        await TestBridge.WaitUntilAsync(() => Volatile.Read(ref handled) == Triggers, "every trigger was handled");
        var lines = await ReadLinesAsync(pair.TargetPeer, Triggers * FramesPerTrigger);

        for (var i = 0; i < lines.Count; i++)
        {
            Assert.Equal(Frame(i), lines[i]);
        }

        Assert.Equal(Triggers * FramesPerTrigger, lines.Count);
        await TestBridge.WaitUntilAsync(() => pair.Target.PendingBytes == 0, "the target's queue is empty");
        pair.SourcePeer.Shutdown(SocketShutdown.Send);
        await reading.WaitAsync(TestBridge.Timeout);
    }

    [Fact]
    public async Task CloseWhileReceiverStalled_Completes()
    {
        await using var pair = await ConnectionPair.CreateAsync();
        var handled = 0;
        var reading = pair.Source.ReadFramesAsync(
            line =>
            {
                for (var i = 0; i < FramesPerTrigger; i++)
                {
                    pair.Target.Send(Frame(i));
                }

                Interlocked.Increment(ref handled);
                return default;
            },
            _ => { });

        await pair.SourcePeer.SendAsync("go\n"u8.ToArray());
        await TestBridge.WaitUntilAsync(() => Volatile.Read(ref handled) == 1, "the trigger was handled");

        // The target's peer never reads, so a write is still in progress. Closing must end it and drop the rest.
        Assert.True(pair.Target.PendingBytes > 0, "The target's peer took every frame although it never read.");
        await pair.Target.CloseAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(TestBridge.Timeout);
        await pair.Target.DisposeAsync().AsTask().WaitAsync(TestBridge.Timeout);

        Assert.Equal(SendResult.Closed, pair.Target.Send(Frame(0)));
        pair.SourcePeer.Shutdown(SocketShutdown.Send);
        await reading.WaitAsync(TestBridge.Timeout);
    }

    /// <summary>A JSON line with its sequence number, about 2 KiB long, or 100 KiB for sequence number 1,000.</summary>
    private static byte[] Frame(int sequence)
    {
        var padding = new string('x', sequence == 1_000 ? 100_000 : 2_000);
        return Encoding.UTF8.GetBytes($"{{\"n\":{sequence},\"p\":\"{padding}\"}}\n");
    }

    private static async Task<List<byte[]>> ReadLinesAsync(Socket socket, int count)
    {
        var lines = new List<byte[]>(count);
        var pending = new List<byte>();
        var buffer = new byte[64 * 1024];
        using var cancel = new CancellationTokenSource(TestBridge.Timeout);
        while (lines.Count < count)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
            Assert.True(read > 0, $"The connection closed after {lines.Count} of {count} lines.");
            foreach (var b in buffer.AsSpan(0, read))
            {
                pending.Add(b);
                if (b == (byte)'\n')
                {
                    lines.Add([.. pending]);
                    pending.Clear();
                }
            }
        }

        return lines;
    }

    /// <summary>
    /// Two connections over loopback: <see cref="Source"/>, whose peer sends trigger lines, and <see cref="Target"/>,
    /// whose peer reads only when a test calls for it.
    /// </summary>
    private sealed class ConnectionPair : IAsyncDisposable
    {
        private const int SmallBufferBytes = 64 * 1024;

        private ConnectionPair(FrameConnection source, Socket sourcePeer, FrameConnection target, Socket targetPeer)
        {
            Source = source;
            SourcePeer = sourcePeer;
            Target = target;
            TargetPeer = targetPeer;
        }

        public FrameConnection Source { get; }

        public Socket SourcePeer { get; }

        public FrameConnection Target { get; }

        public Socket TargetPeer { get; }

        public static async Task<ConnectionPair> CreateAsync()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(2);
            var (source, sourcePeer) = await AcceptAsync(listener, smallBuffers: false);

            // Small socket buffers on the target's side turn off the kernel's buffer growth, so that the frames of
            // one trigger fill them while the peer does not read.
            var (target, targetPeer) = await AcceptAsync(listener, smallBuffers: true);
            source.Start();
            target.Start();
            return new ConnectionPair(source, sourcePeer, target, targetPeer);
        }

        public async ValueTask DisposeAsync()
        {
            SourcePeer.Dispose();
            TargetPeer.Dispose();
            await Source.DisposeAsync();
            await Target.DisposeAsync();
        }

        private static async Task<(FrameConnection Connection, Socket Peer)> AcceptAsync(Socket listener, bool smallBuffers)
        {
            var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (smallBuffers)
            {
                peer.ReceiveBufferSize = SmallBufferBytes;
            }

            var accepting = listener.AcceptAsync();
            await peer.ConnectAsync(listener.LocalEndPoint!);
            var accepted = await accepting;
            if (smallBuffers)
            {
                accepted.SendBufferSize = SmallBufferBytes;
            }

            return (new FrameConnection(accepted, maxFrameBytes: 1 << 20, maxPendingBytes: 0), peer);
        }
    }
}
