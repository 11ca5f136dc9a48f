namespace EventBridge.Server;

/// <summary>
/// The events of one <c>emit</c> run that the server rejected with an error frame, such as
/// <c>permission_denied</c>, and the first error, which is shown to the user.
/// </summary>
internal sealed class EmitRejections(int total, string signal)
{
    private readonly Lock _gate = new();
    private int _count;
    private EventBridgeServerErrorEventArgs? _first;

    /// <summary>The number of rejected events.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Counts <paramref name="error"/> when it rejects one of the forwarded events. The client logs every error.</summary>
    public void Record(EventBridgeServerErrorEventArgs error)
    {
        if (error.RejectedEvent is null)
        {
            return;
        }

        lock (_gate)
        {
            _count++;
            _first ??= error;
        }
    }

    /// <summary>Returns the line for standard error: how many events were rejected, and the server's first reason.</summary>
    public string Describe(string address)
    {
        lock (_gate)
        {
            var reason = _first is { } first ? $"{first.Code}: {first.Message}" : "no reason given";
            return $"The server at {address} rejected {_count} of {total} events '{signal}': {reason}";
        }
    }
}
