namespace EventBridge.Server;

/// <summary>
/// The events of one <c>emit</c> run that the server rejected with an error frame, such as
/// <c>permission_denied</c>, and the first error, which is shown to the user. Errors about the connection rather than
/// an event, such as <c>invalid_name</c>, are kept as notices and shown as warnings.
/// </summary>
internal sealed class EmitRejections(int total, string signal)
{
    /// <summary>The most notices kept, so that a server that reports an error for every frame cannot flood the output.</summary>
    private const int MaxNotices = 5;

    private readonly Lock _gate = new();
    private readonly List<string> _notices = [];
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

    /// <summary>
    /// Counts <paramref name="error"/> when it rejects one of the forwarded events, and keeps it as a notice otherwise.
    /// The client logs every error, but <c>emit</c> shows the client's warnings only with <c>--log-level</c>.
    /// </summary>
    public void Record(EventBridgeServerErrorEventArgs error)
    {
        lock (_gate)
        {
            if (error.RejectedEvent is not null)
            {
                _count++;
                _first ??= error;
                return;
            }

            var notice = $"{error.Code}: {error.Message}";
            if (_notices.Count < MaxNotices && !_notices.Contains(notice))
            {
                _notices.Add(notice);
            }
        }
    }

    /// <summary>Returns one line for standard error per distinct error that did not reject an event.</summary>
    public IReadOnlyList<string> DescribeNotices(string address)
    {
        lock (_gate)
        {
            return _notices.Select(notice => $"Warning: the server at {address} reported {notice}").ToArray();
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
