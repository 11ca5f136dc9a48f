using System.Net;
using System.Net.Sockets;

namespace EventBridge.Tests.Faults;

/// <summary>
/// A TCP proxy on 127.0.0.1 that forwards bytes both ways and lets a test inject faults: <see cref="Reset"/> cuts
/// every connection with a TCP reset instead of a close, and <see cref="PauseAsync"/> stops listening, so that new
/// connections are refused until <see cref="Resume"/> listens again on the same port. <see cref="ResetNewConnections"/>
/// makes new connections fail while the proxy keeps its port, so that no other test can take the port meanwhile.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly Lock _gate = new();
    private readonly HashSet<Socket> _sockets = [];
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private int _accepted;
    private bool _disposed;
    private bool _resetNew;

    public FaultProxy(int targetPort)
    {
        _targetPort = targetPort;
        Listen(0);
    }

    /// <summary>The port the proxy listens on; it stays the same across <see cref="PauseAsync"/> and <see cref="Resume"/>.</summary>
    public int Port { get; private set; }

    /// <summary>
    /// Whether the proxy resets each new connection as soon as it accepts it, before connecting to the target, so
    /// that a client's connection attempts fail while the port stays bound. Open connections keep forwarding.
    /// </summary>
    public bool ResetNewConnections
    {
        get => Volatile.Read(ref _resetNew);
        set => Volatile.Write(ref _resetNew, value);
    }

    /// <summary>The number of connections accepted so far.</summary>
    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>The number of proxied connections still open.</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate)
            {
                return _sockets.Count / 2;
            }
        }
    }

    /// <summary>
    /// Closes every open connection on both sides with a TCP reset (linger 0), as when a network device drops the
    /// connection's state: neither peer gets a FIN, and bytes in flight are discarded.
    /// </summary>
    public void Reset()
    {
        Socket[] sockets;
        lock (_gate)
        {
            sockets = [.. _sockets];
            _sockets.Clear();
        }

        foreach (var socket in sockets)
        {
            ResetSocket(socket);
        }
    }

    /// <summary>Stops listening, so that connection attempts are refused; open connections keep forwarding.</summary>
    public async Task PauseAsync()
    {
        Socket? listener;
        lock (_gate)
        {
            listener = _listener;
            _listener = null;
        }

        listener?.Dispose();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Listens again on <see cref="Port"/> after <see cref="PauseAsync"/>.</summary>
    public void Resume() => Listen(Port);

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        await PauseAsync();
        Reset();
    }

    private void Listen(int port)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(1024);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_listener is not null)
            {
                listener.Dispose();
                throw new InvalidOperationException("The proxy is already listening.");
            }

            _listener = listener;
            Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        }

        _acceptLoop = Task.Run(() => AcceptLoopAsync(listener));
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync();
            }
            catch (Exception exception) when (exception is ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            if (ResetNewConnections)
            {
                ResetSocket(client);
                continue;
            }

            _ = ConnectAndForwardAsync(client);
        }
    }

    private async Task ConnectAndForwardAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort);
        }
        catch (SocketException)
        {
            // Nothing listens behind the proxy: the client sees its connection reset, as a client of a dead server does.
            server.Dispose();
            ResetSocket(client);
            return;
        }

        lock (_gate)
        {
            _sockets.Add(client);
            _sockets.Add(server);
        }

        client.NoDelay = true;
        server.NoDelay = true;
        await Task.WhenAll(ForwardAsync(client, server), ForwardAsync(server, client));
        lock (_gate)
        {
            _sockets.Remove(client);
            _sockets.Remove(server);
        }

        client.Dispose();
        server.Dispose();
    }

    /// <summary>Copies bytes until <paramref name="from"/> ends, then passes the end on to <paramref name="to"/>.</summary>
    private static async Task ForwardAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception exception) when (exception is ObjectDisposedException or SocketException)
        {
            // One side was reset or closed: reset the other, so that neither waits for bytes that cannot come.
            ResetSocket(from);
            ResetSocket(to);
        }
    }

    private static void ResetSocket(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception exception) when (exception is ObjectDisposedException or SocketException)
        {
        }

        socket.Dispose();
    }
}
