using System.Numerics;

namespace EventBridge.Transport;

/// <summary>
/// The most recent event ids seen, up to a fixed count: a ring of ids in arrival order that evicts the oldest once the
/// window is full, and a hash index into the ring for lookups. Used to drop events that arrive twice, for example when
/// a client resends the events that the server had not yet acknowledged before a connection loss.
/// </summary>
/// <remarks>
/// <para>
/// The index is an open-addressed table with linear probing, at most half full, whose 8-byte slots hold an entry's hash
/// and ring position. A server checks one new id per relayed event against 65,536 ids by default. There the index
/// takes 1 MiB, against about 3.3 MiB for a <see cref="HashSet{T}"/> of the entries, so a lookup misses the processor's
/// caches less often. The ring is read only when two hashes match.
/// </para>
/// <para>
/// Each entry keeps the hash of its scope, and the hash of the last scope is reused while the same string object comes
/// again, as it does for a run of events from one sender. Hashes are the runtime's randomized ones, so a peer cannot
/// choose names or ids that all land in one run of slots.
/// </para>
/// </remarks>
internal sealed class EventIdWindow
{
    /// <summary>The largest capacity: the index, twice as large and a power of two, must fit an array.</summary>
    public const int MaxCapacity = 1 << 29;

    private readonly Entry[] _ring;
    private readonly Slot[] _index;
    private readonly int _mask;
    private readonly Lock _gate = new();
    private int _next;
    private string? _lastScope;
    private int _lastScopeHash;

    /// <param name="capacity">The number of ids remembered; 0 turns duplicate detection off.</param>
    public EventIdWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        _ring = new Entry[capacity];
        _index = capacity == 0 ? [] : new Slot[BitOperations.RoundUpToPowerOf2((uint)capacity * 2)];
        _mask = _index.Length - 1;
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
            if (Contains(entry))
            {
                return false;
            }

            // The entry at this ring position, if any, is evicted first, so the index never contains more entries than
            // the capacity and stays at most half full.
            if (!_ring[_next].Id.IsEmpty)
            {
                RemoveFromIndex(_ring[_next].Hash, _next);
            }

            _ring[_next] = entry;
            AddToIndex(entry.Hash, _next);
            _next = _next + 1 == _ring.Length ? 0 : _next + 1;
            return true;
        }
    }

    private bool Contains(in Entry entry)
    {
        for (var i = entry.Hash & _mask; ; i = (i + 1) & _mask)
        {
            var slot = _index[i];
            if (slot.IsEmpty)
            {
                return false;
            }

            if (slot.Hash == entry.Hash && _ring[slot.Position].Equals(entry))
            {
                return true;
            }
        }
    }

    private void AddToIndex(int hash, int position)
    {
        var i = hash & _mask;
        while (!_index[i].IsEmpty)
        {
            i = (i + 1) & _mask;
        }

        _index[i] = new Slot(hash, position);
    }

    /// <summary>
    /// Removes the slot of ring position <paramref name="position"/>, then moves later slots of the same run back into
    /// the gap where their probe sequence allows, so that no lookup stops early at it.
    /// </summary>
    private void RemoveFromIndex(int hash, int position)
    {
        var gap = hash & _mask;
        while (_index[gap].IsEmpty || _index[gap].Position != position)
        {
            gap = (gap + 1) & _mask;
        }

        for (var i = (gap + 1) & _mask; !_index[i].IsEmpty; i = (i + 1) & _mask)
        {
            // A slot may fill the gap only when its home lies at or before the gap, counting from i backwards: a
            // lookup for it starts at its home and must still pass the gap on its way to it.
            var home = _index[i].Hash & _mask;
            var homeToSlot = (i - home) & _mask;
            var gapToSlot = (i - gap) & _mask;
            if (homeToSlot >= gapToSlot)
            {
                _index[gap] = _index[i];
                gap = i;
            }
        }

        _index[gap] = default;
    }

    /// <summary>An id with its scope, the scope's hash, which equal scopes share, and the hash of the pair.</summary>
    private readonly struct Entry(string? scope, int scopeHash, EventId id) : IEquatable<Entry>
    {
        public string? Scope { get; } = scope;

        public int ScopeHash { get; } = scopeHash;

        public EventId Id { get; } = id;

        public int Hash { get; } = HashCode.Combine(scopeHash, id);

        public bool Equals(Entry other) =>
            ScopeHash == other.ScopeHash && Id.Equals(other.Id) && string.Equals(Scope, other.Scope, StringComparison.Ordinal);

        public override bool Equals(object? obj) => obj is Entry other && Equals(other);

        public override int GetHashCode() => Hash;
    }

    /// <summary>A slot of the index: an entry's hash and its ring position plus one, so that the default slot is empty.</summary>
    private readonly struct Slot(int hash, int position)
    {
        private readonly int _positionPlusOne = position + 1;

        public int Hash { get; } = hash;

        public int Position => _positionPlusOne - 1;

        public bool IsEmpty => _positionPlusOne == 0;
    }
}
