namespace EventBridge.Transport;

/// <summary>
/// The most recent event ids seen, up to a fixed count: a set for lookups and a ring that evicts the oldest id
/// once the window is full. Used to drop events that arrive twice, for example when a client resends the events
/// that the server had not yet acknowledged before a connection loss.
/// </summary>
/// <remarks>
/// Each entry keeps the hash of its scope, so evicting it does not hash the scope's characters again. The hash of the
/// last scope is reused while the same string object comes again, as it does for a run of events from one sender.
/// Scope hashes are the runtime's randomized string hashes, so a peer cannot choose names that all land in one bucket.
/// </remarks>
internal sealed class EventIdWindow
{
    private readonly HashSet<Entry> _ids;
    private readonly Entry[] _ring;
    private readonly Lock _gate = new();
    private int _next;
    private string? _lastScope;
    private int _lastScopeHash;

    /// <param name="capacity">The number of ids remembered; 0 turns duplicate detection off.</param>
    public EventIdWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _ids = new HashSet<Entry>(capacity);
        _ring = new Entry[capacity];
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
            if (!ReferenceEquals(scope, _lastScope))
            {
                _lastScope = scope;
                _lastScopeHash = scope?.GetHashCode(StringComparison.Ordinal) ?? 0;
            }

            var entry = new Entry(scope, _lastScopeHash, id);
            if (!_ids.Add(entry))
            {
                return false;
            }

            var evicted = _ring[_next];
            if (!evicted.Id.IsEmpty)
            {
                _ids.Remove(evicted);
            }

            _ring[_next] = entry;
            _next = _next + 1 == _ring.Length ? 0 : _next + 1;
            return true;
        }
    }

    /// <summary>An id with its scope and the scope's hash, which equal scopes share.</summary>
    private readonly struct Entry(string? scope, int scopeHash, EventId id) : IEquatable<Entry>
    {
        public string? Scope { get; } = scope;

        public int ScopeHash { get; } = scopeHash;

        public EventId Id { get; } = id;

        public bool Equals(Entry other) =>
            ScopeHash == other.ScopeHash && Id.Equals(other.Id) && string.Equals(Scope, other.Scope, StringComparison.Ordinal);

        public override bool Equals(object? obj) => obj is Entry other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(ScopeHash, Id);
    }
}
