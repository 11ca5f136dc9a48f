namespace EventBridge.Server;

/// <summary>
/// A glob pattern over signal names: <c>*</c> matches any run of characters (dots included) and <c>?</c> matches
/// one character, so <c>chat.*</c> matches <c>chat.message</c> and <c>chat.room.joined</c>. Matching is ordinal.
/// </summary>
internal sealed class SignalPattern
{
    private readonly string _pattern;

    public SignalPattern(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        _pattern = pattern;
    }

    public override string ToString() => _pattern;

    /// <summary>
    /// Matches with the greedy-star algorithm: on a mismatch it backtracks only to the most recent <c>*</c>, so the
    /// cost is at most the product of the two lengths and never exponential.
    /// </summary>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        var pattern = _pattern.AsSpan();
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
