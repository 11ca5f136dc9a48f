using System.Globalization;
using System.Text;

namespace EventBridge.Internal;

/// <summary>Formats receive and permission patterns for error messages.</summary>
internal static class PatternText
{
    /// <summary>Patterns longer than this are shortened, because a token file may hold one of any length.</summary>
    private const int MaxShownLength = 64;

    /// <summary>
    /// Returns <paramref name="pattern"/> in double quotes, with quotes, backslashes and control characters escaped as
    /// in JSON, the form a pattern takes in a hello or a token file. A long pattern is cut and followed by its length.
    /// </summary>
    public static string Quote(string pattern)
    {
        var shownLength = Math.Min(pattern.Length, MaxShownLength);
        var text = new StringBuilder(shownLength + 2).Append('"');
        for (var i = 0; i < shownLength; i++)
        {
            var c = pattern[i];
            if (c is '"' or '\\')
            {
                text.Append('\\').Append(c);
            }
            else if (char.IsControl(c))
            {
                text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }

        text.Append('"');
        if (pattern.Length > shownLength)
        {
            text.Append(CultureInfo.InvariantCulture, $"... ({pattern.Length} characters)");
        }

        return text.ToString();
    }
}
