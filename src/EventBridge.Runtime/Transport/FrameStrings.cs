using System.Collections.Concurrent;
using System.Text;

namespace EventBridge.Transport;

/// <summary>
/// The strings that frames repeat, such as signal and namespace names, looked up by their UTF-8 bytes so that a
/// relayed or received event does not allocate them again.
/// </summary>
/// <remarks>
/// The table stops growing at <see cref="MaxEntries"/> strings; longer or later strings are allocated as usual. A
/// peer that sends a new name in every frame therefore costs at most the table's size, about 2.5 MiB with
/// 256-character names.
/// </remarks>
internal static class FrameStrings
{
    public const int MaxEntries = 4096;

    /// <summary>Names longer than this are not kept; 256 is the longest valid signal name.</summary>
    private const int MaxLength = 256;

    private static readonly ConcurrentDictionary<string, string> s_table = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> s_lookup =
        s_table.GetAlternateLookup<ReadOnlySpan<char>>();

    private static int s_count;

    /// <summary>Returns the string for <paramref name="utf8"/>, which must be valid UTF-8.</summary>
    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength * 3)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[utf8.Length];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        chars = chars[..length];
        if (s_lookup.TryGetValue(chars, out var known))
        {
            return known;
        }

        var text = chars.ToString();
        if (length <= MaxLength && Volatile.Read(ref s_count) < MaxEntries && s_table.TryAdd(text, text))
        {
            Interlocked.Increment(ref s_count);
        }

        return text;
    }
}
