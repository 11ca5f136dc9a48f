namespace EventBridge;

/// <summary>Common <see cref="ForwardFilter"/>s for <see cref="EventBridgeClientOptions.ForwardFilter"/>.</summary>
public static class ForwardFilters
{
    /// <summary>Forwards only events whose signal is one of <paramref name="signals"/>.</summary>
    public static ForwardFilter Signals(params string[] signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var set = new HashSet<string>(signals, StringComparer.Ordinal);
        return message => set.Contains(message.Signal);
    }

    /// <summary>Forwards only events whose signal starts with <paramref name="prefix"/>, for example <c>public.</c>.</summary>
    public static ForwardFilter SignalPrefix(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return message => message.Signal.StartsWith(prefix, StringComparison.Ordinal);
    }

    /// <summary>
    /// Forwards only events in one of <paramref name="namespaces"/>; pass <see langword="null"/> among them to
    /// include the default namespace.
    /// </summary>
    public static ForwardFilter Namespaces(params string?[] namespaces)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        var includeDefault = namespaces.Any(string.IsNullOrEmpty);
        var set = new HashSet<string>(namespaces.Where(ns => !string.IsNullOrEmpty(ns))!, StringComparer.Ordinal);
        return message => message.Namespace is null ? includeDefault : set.Contains(message.Namespace);
    }

    /// <summary>
    /// Forwards events whose payload is a <typeparamref name="TPayload"/> that <paramref name="predicate"/> accepts;
    /// events with a payload of another type are forwarded unchanged.
    /// </summary>
    public static ForwardFilter Payload<TPayload>(Func<TPayload, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return message => !message.TryGetPayload(out TPayload payload) || predicate(payload);
    }

    /// <summary>Forwards an event only when every one of <paramref name="filters"/> accepts it.</summary>
    public static ForwardFilter All(params ForwardFilter[] filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        ForwardFilter[] copy = [.. filters];
        return message => Array.TrueForAll(copy, filter => filter(message));
    }
}
