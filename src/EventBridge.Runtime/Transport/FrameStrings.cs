using System.Collections.Concurrent;
using System.Text;

namespace EventBridge.Transport;

/// <summary>
/// The strings that frames repeat, such as signal and namespace names, looked up by their UTF-8 bytes so that a
/// relayed or received event does not allocate them again.
/// </summary>
/// <remarks>
/// <para>
/// The table stops growing at <see cref="MaxEntries"/> strings; longer or later strings are allocated as usual. A
/// peer that sends a new name in every frame therefore costs at most the table's size: about 4 MiB with
/// 256-character ASCII names, and up to 6 MiB when their characters take three bytes each.
/// </para>
/// <para>
/// Each thread also remembers the last strings it found in the table, in a few slots chosen by length and edge bytes.
/// A frame's names nearly always match one of them byte for byte, which spares the conversion to characters and the
/// hashed lookup. The slots hold the table's own entries, so filling them allocates nothing.
/// </para>
/// </remarks>
internal static class FrameStrings
{
    public const int MaxEntries = 4096;

    /// <summary>Names longer than this are not kept; 256 is the longest valid signal name.</summary>
    private const int MaxLength = 256;

    /// <summary>The number of recent strings each thread remembers; a power of two.</summary>
    private const int RecentSlots = 16;

    private static readonly ConcurrentDictionary<string, Entry> s_table = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> s_lookup =
        s_table.GetAlternateLookup<ReadOnlySpan<char>>();

    [ThreadStatic]
    private static Entry?[]? t_recent;

    private static int s_count;

    /// <summary>Returns the string for <paramref name="utf8"/>, which must be valid UTF-8.</summary>
    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength * 3)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var recent = t_recent ??= new Entry?[RecentSlots];
        var slot = utf8.IsEmpty ? 0 : (utf8.Length ^ utf8[^1] ^ (utf8[0] << 2)) & (RecentSlots - 1);
        if (recent[slot] is { } hit && utf8.SequenceEqual(hit.Utf8))
        {
            return hit.Text;
        }

        Span<char> chars = stackalloc char[utf8.Length];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        chars = chars[..length];
        if (s_lookup.TryGetValue(chars, out var known))
        {
            recent[slot] = known;
            return known.Text;
        }

        var text = chars.ToString();
        if (length <= MaxLength && Volatile.Read(ref s_count) < MaxEntries)
        {
            var added = new Entry(text, utf8.ToArray());
            if (s_table.TryAdd(text, added))
            {
                Interlocked.Increment(ref s_count);
                recent[slot] = added;
            }
        }

        return text;
    }

    /// <summary>Returns whether the table keeps <paramref name="text"/>, so that every lookup of it returns one instance.</summary>
    internal static bool IsKept(string text) => s_table.ContainsKey(text);

    /// <summary>A string of the table and its UTF-8 bytes.</summary>
    private sealed class Entry(string text, byte[] utf8)
    {
        public string Text { get; } = text;

        public byte[] Utf8 { get; } = utf8;
    }
}
