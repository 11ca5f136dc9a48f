using System.CommandLine.Parsing;
using System.Globalization;

namespace EventBridge.Server;

/// <summary>
/// Parsers for numeric options that also check the range. They parse the token themselves because a validator that
/// reads the value of a token that failed to convert throws instead of reporting an error. Every error reads
/// <c>Invalid value 'TEXT' for OPTION: expected ...</c>, whether the text is not a number or out of range.
/// </summary>
internal static class Validation
{
    /// <summary>
    /// The largest number of seconds an option accepts: half the largest <see cref="TimeSpan"/>, so that adding a
    /// grace period, as <c>serve</c> does to its shutdown timeout, cannot overflow.
    /// </summary>
    private static readonly double s_maxSeconds = Math.Floor(TimeSpan.MaxValue.TotalSeconds / 2);

    public static Func<ArgumentResult, int> WholeNumber(int min, int max) => result =>
    {
        var text = TokenText(result);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            AddError(result, text, $"a whole number from {min} to {max}");
            return min;
        }

        return value;
    };

    public static Func<ArgumentResult, int?> OptionalWholeNumber(int min, int max)
    {
        var parse = WholeNumber(min, max);
        return result => parse(result);
    }

    public static double PositiveSeconds(ArgumentResult result)
    {
        var text = TokenText(result);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > 0))
        {
            AddError(result, text, "a positive number of seconds, such as 2 or 0.5");
            return 1;
        }

        return CheckMaxSeconds(result, text, value);
    }

    public static double NonNegativeSeconds(ArgumentResult result)
    {
        var text = TokenText(result);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value >= 0))
        {
            AddError(result, text, "0 or a positive number of seconds, such as 10 or 0.5");
            return 0;
        }

        return CheckMaxSeconds(result, text, value);
    }

    /// <summary>
    /// Rejects argument tokens that start with '-'. The parser passes an unknown option such as <c>--bogus</c> to a
    /// command's arguments when they take it, so <c>tail --bogus</c> would otherwise watch a signal named "--bogus".
    /// </summary>
    public static void RejectOptionLikeTokens(ArgumentResult result)
    {
        foreach (var token in result.Tokens)
        {
            if (token.Value.Length > 1 && token.Value[0] == '-')
            {
                result.AddError($"Unrecognized option '{token.Value}'.");
            }
        }
    }

    private static double CheckMaxSeconds(ArgumentResult result, string text, double value)
    {
        if (value > s_maxSeconds)
        {
            AddError(result, text, $"at most {s_maxSeconds.ToString(CultureInfo.InvariantCulture)} seconds");
        }

        return value;
    }

    private static string TokenText(ArgumentResult result) =>
        result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;

    private static void AddError(ArgumentResult result, string text, string expected) =>
        result.AddError($"Invalid value '{text}' for {NameOf(result)}: expected {expected}.");

    private static string NameOf(ArgumentResult result) =>
        (result.Parent as OptionResult)?.Option.Name ?? result.Argument.Name;
}
