using System.Numerics;
using System.Runtime.CompilerServices;

namespace EventBridge;

/// <summary>One registration of a consumer on a bus; the same descriptor may be registered more than once.</summary>
internal sealed class ConsumerRegistration(ConsumerDescriptor descriptor)
{
    private volatile bool _isRemoved;

    public ConsumerDescriptor Descriptor { get; } = descriptor;

    public ConsumerHandler Handler { get; } = descriptor.Handler;

    public string Name => Descriptor.Name;

    /// <summary>
    /// Set when the registration is removed, so that an emit already running skips it if its turn has not come.
    /// </summary>
    public bool IsRemoved
    {
        get => _isRemoved;
        set => _isRemoved = value;
    }
}

/// <summary>
/// The consumers of one bus, by signal and namespace. Reads take no lock: every change publishes new arrays and
/// dictionaries under a lock and never mutates published ones, so a reader sees one consistent snapshot.
/// </summary>
internal sealed class ConsumerTable
{
    private readonly Lock _gate = new();

    // Replaced, never mutated, once published.
    private Snapshot _snapshot = new(new Dictionary<string, SignalConsumers>(StringComparer.Ordinal));

    /// <summary>Returns the registrations for a signal in a namespace, or <see langword="null"/> when there are none.</summary>
    public ConsumerRegistration[]? Find(string signal, string? @namespace)
    {
        var entry = Volatile.Read(ref _snapshot).Find(signal);
        if (entry is null)
        {
            return null;
        }

        return @namespace is null ? entry.Default : entry.Find(@namespace);
    }

    /// <summary>Registers <paramref name="descriptors"/> in order, all at once.</summary>
    public ConsumerRegistration[] Add(ReadOnlySpan<ConsumerDescriptor> descriptors)
    {
        var registrations = new ConsumerRegistration[descriptors.Length];
        for (var i = 0; i < descriptors.Length; i++)
        {
            registrations[i] = new ConsumerRegistration(descriptors[i]);
        }

        lock (_gate)
        {
            var published = _snapshot.Signals;
            Dictionary<string, SignalConsumers>? copy = null;
            foreach (var registration in registrations)
            {
                var signal = registration.Descriptor.Signal;
                var signals = copy ?? published;
                if (!signals.TryGetValue(signal, out var entry))
                {
                    copy ??= new Dictionary<string, SignalConsumers>(published, StringComparer.Ordinal);
                    entry = new SignalConsumers(signal);
                    copy.Add(signal, entry);
                }

                entry.Add(registration);
            }

            if (copy is not null)
            {
                Volatile.Write(ref _snapshot, new Snapshot(copy));
            }
        }

        return registrations;
    }

    /// <summary>Removes <paramref name="registrations"/>; ones already removed are ignored.</summary>
    public void Remove(ConsumerRegistration[] registrations)
    {
        lock (_gate)
        {
            var published = _snapshot.Signals;
            Dictionary<string, SignalConsumers>? copy = null;
            foreach (var registration in registrations)
            {
                registration.IsRemoved = true;
                var signal = registration.Descriptor.Signal;
                if (!published.TryGetValue(signal, out var entry))
                {
                    continue;
                }

                entry.Remove(registration);
                if (entry.IsEmpty)
                {
                    // An emit that found this entry before the removal reads its empty arrays, which is correct.
                    copy ??= new Dictionary<string, SignalConsumers>(published, StringComparer.Ordinal);
                    copy.Remove(signal);
                }
            }

            if (copy is not null)
            {
                Volatile.Write(ref _snapshot, new Snapshot(copy));
            }
        }
    }

    /// <summary>
    /// The published signals: a dictionary, and an index by object identity in front of it. Signal names are nearly
    /// always string literals, which the runtime interns, so the emitted string is usually the very instance that
    /// registered the consumer. Comparing references skips hashing and comparing the characters; any other
    /// instance of an equal string misses the index and is found in the dictionary.
    /// </summary>
    private sealed class Snapshot
    {
        private readonly SignalConsumers?[] _byIdentity;

        public Snapshot(Dictionary<string, SignalConsumers> signals)
        {
            Signals = signals;

            // At most half full, so that every probe ends at an empty slot after a few steps.
            var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, signals.Count * 2));
            _byIdentity = new SignalConsumers?[size];
            foreach (var entry in signals.Values)
            {
                var slot = RuntimeHelpers.GetHashCode(entry.Signal) & (size - 1);
                while (_byIdentity[slot] is not null)
                {
                    slot = (slot + 1) & (size - 1);
                }

                _byIdentity[slot] = entry;
            }
        }

        /// <summary>The signals by name, with the ordinal comparer, for which the runtime hashes fast.</summary>
        public Dictionary<string, SignalConsumers> Signals { get; }

        public SignalConsumers? Find(string signal)
        {
            var slots = _byIdentity;
            var mask = slots.Length - 1;
            var slot = RuntimeHelpers.GetHashCode(signal) & mask;
            while (slots[slot] is { } entry)
            {
                if (ReferenceEquals(entry.Signal, signal))
                {
                    return entry;
                }

                slot = (slot + 1) & mask;
            }

            return Signals.GetValueOrDefault(signal);
        }
    }

    /// <summary>The consumers of one signal: those of the default namespace and those of each named one.</summary>
    private sealed class SignalConsumers(string signal)
    {
        private ConsumerRegistration[] _default = [];
        private Dictionary<string, ConsumerRegistration[]>? _namespaced;

        /// <summary>The signal, as the string instance of the first registration.</summary>
        public string Signal { get; } = signal;

        public ConsumerRegistration[] Default => Volatile.Read(ref _default);

        public bool IsEmpty => _default.Length == 0 && _namespaced is null;

        public ConsumerRegistration[]? Find(string @namespace) =>
            Volatile.Read(ref _namespaced) is { } namespaced && namespaced.TryGetValue(@namespace, out var found)
                ? found
                : null;

        /// <summary>Adds at the end; called under the table's lock.</summary>
        public void Add(ConsumerRegistration registration)
        {
            var @namespace = registration.Descriptor.Namespace;
            if (@namespace is null)
            {
                Volatile.Write(ref _default, [.. _default, registration]);
                return;
            }

            var namespaced = _namespaced is null
                ? new Dictionary<string, ConsumerRegistration[]>(StringComparer.Ordinal)
                : new Dictionary<string, ConsumerRegistration[]>(_namespaced, StringComparer.Ordinal);
            namespaced[@namespace] = namespaced.TryGetValue(@namespace, out var current)
                ? [.. current, registration]
                : [registration];
            Volatile.Write(ref _namespaced, namespaced);
        }

        /// <summary>Removes one registration; called under the table's lock.</summary>
        public void Remove(ConsumerRegistration registration)
        {
            var @namespace = registration.Descriptor.Namespace;
            if (@namespace is null)
            {
                Volatile.Write(ref _default, Without(_default, registration));
                return;
            }

            if (_namespaced is null || !_namespaced.TryGetValue(@namespace, out var current))
            {
                return;
            }

            var remaining = Without(current, registration);
            if (remaining.Length == current.Length)
            {
                return;
            }

            var namespaced = new Dictionary<string, ConsumerRegistration[]>(_namespaced, StringComparer.Ordinal);
            if (remaining.Length == 0)
            {
                namespaced.Remove(@namespace);
            }
            else
            {
                namespaced[@namespace] = remaining;
            }

            Volatile.Write(ref _namespaced, namespaced.Count == 0 ? null : namespaced);
        }

        private static ConsumerRegistration[] Without(ConsumerRegistration[] items, ConsumerRegistration item)
        {
            var index = Array.IndexOf(items, item);
            if (index < 0)
            {
                return items;
            }

            return [.. items.AsSpan(0, index), .. items.AsSpan(index + 1)];
        }
    }
}
