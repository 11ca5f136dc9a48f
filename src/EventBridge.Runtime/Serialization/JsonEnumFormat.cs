using System.ComponentModel;
using System.Globalization;
using System.Text;

namespace EventBridge.Serialization;

/// <summary>
/// Converts enum values to and from their JSON names for generated enum serializers. Values are passed as unsigned
/// 64-bit numbers, with negative values in two's complement, so one implementation serves every underlying type.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JsonEnumFormat
{
    /// <summary>
    /// Formats a combination of flags as <c>"Read, Write"</c>, as <see cref="Enum.ToString()"/> does, or returns
    /// <see langword="null"/> when the named values cannot make up <paramref name="bits"/>.
    /// </summary>
    /// <param name="bits">The value.</param>
    /// <param name="values">The defined values, in ascending order.</param>
    /// <param name="names">The JSON names of <paramref name="values"/>, in the same order.</param>
    public static string? FormatFlags(ulong bits, ReadOnlySpan<ulong> values, ReadOnlySpan<string> names)
    {
        if (bits == 0)
        {
            return values.Length > 0 && values[0] == 0 ? names[0] : null;
        }

        var remaining = bits;
        var used = new bool[values.Length];
        for (var i = values.Length - 1; i >= 0 && remaining != 0; i--)
        {
            var value = values[i];
            if (value != 0 && (bits & value) == value && (remaining & value) != 0)
            {
                remaining &= ~value;
                used[i] = true;
            }
        }

        if (remaining != 0)
        {
            return null;
        }

        var builder = new StringBuilder();
        for (var i = 0; i < values.Length; i++)
        {
            if (used[i])
            {
                if (builder.Length > 0)
                {
                    builder.Append(", ");
                }

                builder.Append(names[i]);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Parses a name, ignoring case, or a comma-separated list of names when <paramref name="isFlags"/> is set. A
    /// decimal number is accepted too.
    /// </summary>
    /// <returns><see langword="false"/> when a part is neither a defined name nor a number.</returns>
    public static bool TryParse(string text, ReadOnlySpan<ulong> values, ReadOnlySpan<string> names, bool isFlags, out ulong bits)
    {
        ArgumentNullException.ThrowIfNull(text);
        bits = 0;
        if (isFlags)
        {
            foreach (var part in text.Split(','))
            {
                if (!TryParseOne(part.Trim(), values, names, out var partBits))
                {
                    return false;
                }

                bits |= partBits;
            }

            return true;
        }

        return TryParseOne(text.Trim(), values, names, out bits);
    }

    private static bool TryParseOne(string text, ReadOnlySpan<ulong> values, ReadOnlySpan<string> names, out ulong bits)
    {
        for (var i = 0; i < names.Length; i++)
        {
            if (string.Equals(names[i], text, StringComparison.OrdinalIgnoreCase))
            {
                bits = values[i];
                return true;
            }
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var signed))
        {
            bits = unchecked((ulong)signed);
            return true;
        }

        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out bits);
    }
}
