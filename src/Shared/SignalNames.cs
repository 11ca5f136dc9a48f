// Compiled into the runtime, the generator and the analyzers, so that all three apply the same rules.
namespace EventBridge;

/// <summary>The rules that every signal name follows.</summary>
internal static class SignalNames
{
    /// <summary>
    /// The prefix of the library's own signals. User code cannot emit signals that start with it in any letter case,
    /// so that no event can pass for one of the library's own.
    /// </summary>
    public const string ReservedPrefix = "eventbridge.";

    /// <summary>The maximum length of a signal name, in UTF-16 characters.</summary>
    public const int MaxLength = 256;

    /// <summary>Checks a signal name and returns why it is invalid, or <see langword="null"/> when it is valid.</summary>
    public static string? Validate(string? signal, bool allowReserved = false)
    {
        if (signal is null || signal.Length == 0)
        {
            return "a signal name must not be empty";
        }

        if (signal.Length > MaxLength)
        {
            return "a signal name must be at most " + MaxLength + " characters long, but it has " + signal.Length;
        }

#if NET8_0_OR_GREATER
        // Printable ASCII other than the space is neither whitespace nor a control character. Nearly every name has
        // only such characters, so one vectorized search checks it, and the loop below runs only for other names.
        if (signal.AsSpan().ContainsAnyExceptInRange('!', '~'))
#endif
        {
            foreach (var c in signal)
            {
                if (char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    return "a signal name must not contain whitespace or control characters";
                }
            }
        }

        if (!allowReserved && IsReserved(signal))
        {
            return "signal names that start with '" + ReservedPrefix + "' (in any letter case) are reserved for EventBridge itself";
        }

        return null;
    }

    /// <summary>
    /// Checks a receive or permission pattern (<c>signal</c> or <c>namespace:signal</c>, with <c>*</c> for any run of
    /// characters) and returns why it is invalid, or <see langword="null"/> when it is valid.
    /// </summary>
    /// <remarks>
    /// A pattern is rejected when it could never match an event that crosses a connection, so that a typo cannot leave
    /// a client or a token silently receiving or publishing nothing. The pattern splits at its first colon. The signal
    /// part follows the rules of a signal name, with <c>*</c> allowed. The namespace part may be empty, which means the
    /// default namespace, and is otherwise held to the same length and character rules. A signal part that starts with
    /// <see cref="ReservedPrefix"/> matches only the library's own signals, which never cross a connection, so it is
    /// rejected unless <paramref name="allowReserved"/> is set (for deny lists, where such a pattern is harmless).
    /// </remarks>
    public static string? ValidatePattern(string? pattern, bool allowReserved = false)
    {
        if (pattern is null || pattern.Length == 0)
        {
            return "a pattern must not be empty; write '*' to match every event";
        }

        var colon = pattern.IndexOf(':');
        var signal = colon < 0 ? pattern : pattern.Substring(colon + 1);
        if (colon >= 0)
        {
            var problem = ValidatePatternPart(pattern.Substring(0, colon), "namespace part (before the first ':')");
            if (problem is not null)
            {
                return problem;
            }

            if (signal.Length == 0)
            {
                return "the signal part after the colon must not be empty; write '*' to match every signal";
            }
        }

        var signalProblem = ValidatePatternPart(signal, colon < 0 ? "pattern" : "signal part (after the first ':')");
        if (signalProblem is not null)
        {
            return signalProblem;
        }

        // IsReserved compares the prefix literally, so a '*' inside it (as in "eventbridge*") lets the pattern match
        // other signals too and keeps it valid.
        if (!allowReserved && IsReserved(signal))
        {
            return "it matches only signals that start with '" + ReservedPrefix + "' (in any letter case), which " +
                "EventBridge emits on a server's own bus and never sends over a connection, so it would never match";
        }

        return null;
    }

    private static string? ValidatePatternPart(string part, string name)
    {
        if (part.Length > MaxLength)
        {
            return "the " + name + " must be at most " + MaxLength + " characters long, but it has " + part.Length;
        }

        foreach (var c in part)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return "the " + name + " must not contain whitespace or control characters";
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="signal"/> starts with <see cref="ReservedPrefix"/>, ignoring letter case.</summary>
    /// <remarks>The first-letter test keeps the common case, a user signal, off the slower case-insensitive compare.</remarks>
    public static bool IsReserved(string signal) =>
        signal.Length >= ReservedPrefix.Length
        && (signal[0] | 0x20) == 'e'
        && signal.StartsWith(ReservedPrefix, System.StringComparison.OrdinalIgnoreCase);
}
