using System.Net;
using System.Net.Sockets;

namespace EventBridge.Tests.Hardening;

/// <summary>
/// A TCP proxy on 127.0.0.1 that forwards bytes both ways until <see cref="Stall"/> is called, after which it keeps
/// every connection open but forwards nothing: to each side the other has vanished without closing the connection,
/// as when a machine loses power or a network path drops.
/// </summary>
internal sealed class StallingProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Generation> _generations = [];
    private readonly Lock _gate = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public StallingProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>The number of connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Stops forwarding on every current connection; connections accepted later forward normally.</summary>
    public void Stall()
    {
        lock (_gate)
        {
            foreach (var generation in _generations)
            {
                generation.Stalled = true;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        lock (_gate)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(IPAddress.Loopback, _targetPort);
            var generation = new Generation();
            lock (_gate)
            {
                _sockets.Add(client);
                _sockets.Add(server);
                _generations.Add(generation);
            }

            _ = PumpAsync(client, server, generation);
            _ = PumpAsync(server, client, generation);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Generation generation)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (generation.Stalled)
                {
                    // Swallow the bytes and never close: the peer must notice the silence by itself.
                    continue;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stopping.Token);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>The state shared by the two directions of one proxied connection.</summary>
    private sealed class Generation
    {
        public volatile bool Stalled;
    }
}
