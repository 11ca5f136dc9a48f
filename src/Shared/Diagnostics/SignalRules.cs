// Compiled into the generator and the analyzers, so that both accept the same signal names.
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace EventBridge.CodeAnalysis.Rules;

/// <summary>The compile-time checks of the signal names in <c>[Consumer]</c> attributes and emit calls.</summary>
internal static class SignalRules
{
    private const int MaxDisplayLength = 64;

    /// <summary>
    /// Returns why <paramref name="signal"/> cannot be consumed, or <see langword="null"/>. The library's own
    /// signals (<paramref name="librarySignals"/>) start with the reserved prefix and may be consumed.
    /// </summary>
    public static string? CheckConsumed(string? signal, IReadOnlyCollection<string> librarySignals)
    {
        var problem = SignalNames.Validate(signal, allowReserved: true);
        if (problem is null && SignalNames.IsReserved(signal!) && !librarySignals.Contains(signal!))
        {
            var known = librarySignals.Count == 0
                ? "this runtime declares none"
                : "they are " + string.Join(", ", librarySignals.OrderBy(name => name, System.StringComparer.Ordinal).Select(name => "'" + name + "'"));
            problem = "it starts with the reserved prefix '" + SignalNames.ReservedPrefix
                + "' but is not one of the library's own signals in EventBridgeSignals (" + known
                + "), so nothing ever emits it; choose a name without the prefix";
        }

        return problem;
    }

    /// <summary>Returns why <paramref name="signal"/> cannot be emitted, or <see langword="null"/>.</summary>
    public static string? CheckEmitted(string? signal)
    {
        var problem = SignalNames.Validate(signal, allowReserved: true);
        if (problem is null && SignalNames.IsReserved(signal!))
        {
            problem = "signals that start with '" + SignalNames.ReservedPrefix
                + "' in any letter case are emitted only by EventBridge itself, and the bus rejects them; choose a name without the prefix";
        }

        return problem;
    }

    /// <summary>Formats a signal name for a message: a quoted C# literal, shortened when it is long.</summary>
    public static string Display(string? signal)
    {
        if (signal is null)
        {
            return "null";
        }

        var shown = signal.Length > MaxDisplayLength ? signal.Substring(0, MaxDisplayLength) : signal;
        var literal = SymbolDisplay.FormatLiteral(shown, quote: true);
        return signal.Length > MaxDisplayLength ? literal + "... (" + signal.Length + " characters)" : literal;
    }
}
