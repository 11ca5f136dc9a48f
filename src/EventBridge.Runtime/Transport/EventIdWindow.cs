namespace EventBridge.Transport;

/// <summary>
/// The most recent event ids seen, up to a fixed count: a set for lookups and a ring that evicts the oldest id
/// once the window is full. Used to drop events that arrive twice, for example when a client resends the events
/// that the server had not yet acknowledged before a connection loss.
/// </summary>
internal sealed class EventIdWindow
{
    private readonly HashSet<(string? Scope, EventId Id)> _ids;
    private readonly (string? Scope, EventId Id)[] _ring;
    private readonly Lock _gate = new();
    private int _next;

    /// <param name="capacity">The number of ids remembered; 0 turns duplicate detection off.</param>
    public EventIdWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _ids = new HashSet<(string? Scope, EventId Id)>(capacity);
        _ring = new (string? Scope, EventId Id)[capacity];
    }

    /// <summary>Records <paramref name="id"/>; returns <see langword="false"/> when it is already in the window.</summary>
    public bool TryAdd(EventId id) => TryAdd(null, id);

    /// <summary>
    /// Records <paramref name="id"/> within <paramref name="scope"/> (for example a sender's name), so equal ids in
    /// different scopes are distinct; returns <see langword="false"/> when the pair is already in the window.
    /// </summary>
    public bool TryAdd(string? scope, EventId id)
    {
        if (_ring.Length == 0 || id.IsEmpty)
        {
            return true;
        }

        lock (_gate)
        {
            if (!_ids.Add((scope, id)))
            {
                return false;
            }

            var evicted = _ring[_next];
            if (!evicted.Id.IsEmpty)
            {
                _ids.Remove(evicted);
            }

            _ring[_next] = (scope, id);
            _next = (_next + 1) % _ring.Length;
            return true;
        }
    }
}
