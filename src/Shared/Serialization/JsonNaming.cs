// Compiled into the generator and the analyzers.
using System.Globalization;
using System.Text;

namespace EventBridge.CodeAnalysis;

/// <summary>
/// The naming policies that the generated serializers apply to property and parameter names. The numbers match
/// the runtime's <c>EventBridge.Serialization.PayloadNaming</c> enum.
/// </summary>
internal enum NamingPolicy
{
    SnakeCaseLower = 0,
    CamelCase = 1,
    AsDeclared = 2,
}

/// <summary>
/// Converts C# names to JSON names exactly as <c>System.Text.Json</c>'s <c>JsonNamingPolicy.SnakeCaseLower</c> and
/// <c>JsonNamingPolicy.CamelCase</c> do, so that payloads match what a <c>JsonSerializer</c> with the same policy
/// writes.
/// </summary>
internal static class JsonNaming
{
    public static string Convert(string name, NamingPolicy policy)
    {
        // A keyword escaped for C# ("@class") is named without its '@' in JSON.
        if (name.Length > 0 && name[0] == '@')
        {
            name = name.Substring(1);
        }

        return policy switch
        {
            NamingPolicy.SnakeCaseLower => ToSnakeCaseLower(name),
            NamingPolicy.CamelCase => ToCamelCase(name),
            _ => name,
        };
    }

    private enum SeparatorState
    {
        NotStarted,
        UppercaseLetter,
        LowercaseLetterOrDigit,
        SpaceSeparator,
    }

    private static string ToSnakeCaseLower(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        var state = SeparatorState.NotStarted;
        for (var i = 0; i < name.Length; i++)
        {
            var current = name[i];
            switch (char.GetUnicodeCategory(current))
            {
                case UnicodeCategory.UppercaseLetter:
                    switch (state)
                    {
                        case SeparatorState.LowercaseLetterOrDigit:
                        case SeparatorState.SpaceSeparator:
                            builder.Append('_');
                            break;
                        case SeparatorState.UppercaseLetter:
                            // An uppercase run ends before its last letter when a lowercase letter follows:
                            // "XMLHttp" becomes "xml_http".
                            if (i + 1 < name.Length && char.IsLower(name[i + 1]))
                            {
                                builder.Append('_');
                            }

                            break;
                    }

                    builder.Append(char.ToLowerInvariant(current));
                    state = SeparatorState.UppercaseLetter;
                    break;

                case UnicodeCategory.LowercaseLetter:
                case UnicodeCategory.DecimalDigitNumber:
                    if (state == SeparatorState.SpaceSeparator)
                    {
                        builder.Append('_');
                    }

                    builder.Append(current);
                    state = SeparatorState.LowercaseLetterOrDigit;
                    break;

                case UnicodeCategory.SpaceSeparator:
                    // Spaces are dropped at the start and end and become one separator between words.
                    if (state != SeparatorState.NotStarted)
                    {
                        state = SeparatorState.SpaceSeparator;
                    }

                    break;

                default:
                    // Other characters, including '_', are copied and start a new word without a separator.
                    builder.Append(current);
                    state = SeparatorState.NotStarted;
                    break;
            }
        }

        return builder.ToString();
    }

    private static string ToCamelCase(string name)
    {
        if (name.Length == 0 || !char.IsUpper(name[0]))
        {
            return name;
        }

        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (i == 1 && !char.IsUpper(chars[i]))
            {
                break;
            }

            var hasNext = i + 1 < chars.Length;

            // The last letter of a leading uppercase run stays uppercase when a lowercase letter follows it:
            // "URLValue" becomes "urlValue".
            if (i > 0 && hasNext && !char.IsUpper(chars[i + 1]))
            {
                if (chars[i + 1] == ' ')
                {
                    chars[i] = char.ToLowerInvariant(chars[i]);
                }

                break;
            }

            chars[i] = char.ToLowerInvariant(chars[i]);
        }

        return new string(chars);
    }
}
