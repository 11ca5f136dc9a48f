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

        foreach (var c in signal)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return "a signal name must not contain whitespace or control characters";
            }
        }

        if (!allowReserved && IsReserved(signal))
        {
            return "signal names that start with '" + ReservedPrefix + "' (in any letter case) are reserved for EventBridge itself";
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
