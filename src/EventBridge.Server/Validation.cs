using System.CommandLine.Parsing;
using System.Globalization;

namespace EventBridge.Server;

/// <summary>
/// Parsers for numeric options that also check the range. They parse the token themselves because a validator that
/// reads the value of a token that failed to convert throws instead of reporting an error.
/// </summary>
internal static class Validation
{
    public static Func<ArgumentResult, int> WholeNumber(int min, int max) => result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"Invalid value '{text}' for {NameOf(result)}: expected a whole number from {min} to {max}.");
            return 0;
        }

        if (value < min || value > max)
        {
            result.AddError($"Invalid value {value} for {NameOf(result)}: use {min} to {max}.");
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
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !(value > 0) || value > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            result.AddError($"Invalid value '{text}' for {NameOf(result)}: expected a positive number of seconds, such as 2 or 0.5.");
            return 1;
        }

        return value;
    }

    public static double NonNegativeSeconds(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !(value >= 0) || value > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            result.AddError($"Invalid value '{text}' for {NameOf(result)}: expected 0 or a positive number of seconds, such as 10 or 0.5.");
            return 0;
        }

        return value;
    }

    private static string NameOf(ArgumentResult result) =>
        (result.Parent as OptionResult)?.Option.Name ?? result.Argument.Name;
}
