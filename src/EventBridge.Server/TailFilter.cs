namespace EventBridge.Server;

/// <summary>Selects the events that <c>tail</c> prints: by signal pattern, and optionally by namespace.</summary>
internal sealed class TailFilter
{
    private readonly SignalPattern[] _patterns;
    private readonly string? _namespace;

    public TailFilter(SignalPattern[] patterns, string? @namespace)
    {
        _patterns = patterns;
        _namespace = string.IsNullOrEmpty(@namespace) ? null : @namespace;
    }

    public bool IsMatch(EventMessage message)
    {
        if (_namespace is not null && !string.Equals(message.Namespace, _namespace, StringComparison.Ordinal))
        {
            return false;
        }

        if (_patterns.Length == 0)
        {
            return true;
        }

        foreach (var pattern in _patterns)
        {
            if (pattern.IsMatch(message.Signal))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString()
    {
        var signals = _patterns.Length == 0 ? "every signal" : string.Join(", ", _patterns.Select(pattern => pattern.ToString()));
        return _namespace is null ? signals : signals + " in namespace " + _namespace;
    }
}
