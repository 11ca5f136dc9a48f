using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace EventBridge;

/// <summary>
/// The identity of one event. Ids made in this process are 128 bits: a random per-process prefix and a
/// sequence number, written on the wire as 32 lowercase hexadecimal digits. Received ids of 32 hexadecimal digits
/// in any case are read as such an id, so upper and lower case name the same id and are written in lower case. Ids
/// of any other form that clients in other languages send, and 32 zeros, are kept as text.
/// </summary>
public readonly struct EventId : IEquatable<EventId>
{
    private static readonly ulong s_processPrefix = CreateProcessPrefix();
    private static long s_sequence;

    private readonly ulong _high;
    private readonly ulong _low;
    private readonly string? _text;

    private EventId(ulong high, ulong low)
    {
        _high = high;
        _low = low;
        _text = null;
    }

    private EventId(string text)
    {
        _high = 0;
        _low = 0;
        _text = text;
    }

    /// <summary><see langword="true"/> for the default value, which names no event.</summary>
    public bool IsEmpty => _text is null && _high == 0 && _low == 0;

    /// <summary>Creates an id that no other event of this process or, with high probability, of any other has.</summary>
    public static EventId NewId() => FromSequence(NextSequence());

    /// <summary>Takes the next sequence number of this process, never 0, for an id made later by <see cref="FromSequence"/>.</summary>
    internal static ulong NextSequence() => (ulong)Interlocked.Increment(ref s_sequence);

    /// <summary>Returns this process's id for a number that <see cref="NextSequence"/> returned.</summary>
    internal static EventId FromSequence(ulong sequence) => new(s_processPrefix, sequence);

    /// <summary>Reads an id from its wire text; 32 hexadecimal digits give a compact id, any other text is kept.</summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> is empty.</exception>
    public static EventId Parse(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        return Parse(text.AsSpan(), text);
    }

    /// <summary>Reads an id from UTF-16 characters without allocating when they are 32 hexadecimal digits.</summary>
    public static EventId Parse(ReadOnlySpan<char> text) => Parse(text, null);

    /// <summary>
    /// Reads an id from the UTF-8 text of a frame when it is 32 hexadecimal digits that are not all zeros, the form
    /// every EventBridge client writes, without converting the text to characters first. Returns
    /// <see langword="false"/> for any other text, which <see cref="Parse(string)"/> keeps as it is.
    /// </summary>
    internal static bool TryParseCompact(ReadOnlySpan<byte> utf8, out EventId id)
    {
        id = default;
        Span<byte> value = stackalloc byte[16];
        if (utf8.Length != 32
            || Convert.FromHexString(utf8, value, out _, out var written) != OperationStatus.Done
            || written != 16)
        {
            return false;
        }

        var high = BinaryPrimitives.ReadUInt64BigEndian(value);
        var low = BinaryPrimitives.ReadUInt64BigEndian(value[8..]);
        if ((high | low) == 0)
        {
            return false;
        }

        id = new EventId(high, low);
        return true;
    }

    private static EventId Parse(ReadOnlySpan<char> text, string? original)
    {
        if (text.Length == 32
            && ulong.TryParse(text[..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high)
            && ulong.TryParse(text[16..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low)
            && (high | low) != 0)
        {
            return new EventId(high, low);
        }

        if (text.IsEmpty)
        {
            return default;
        }

        return new EventId(original ?? text.ToString());
    }

    /// <summary>Writes the wire text of the id into <paramref name="destination"/>.</summary>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is too short.</returns>
    public bool TryFormat(Span<char> destination, out int charsWritten)
    {
        if (_text is not null)
        {
            charsWritten = _text.Length;
            return _text.AsSpan().TryCopyTo(destination);
        }

        charsWritten = 32;
        return destination.Length >= 32
            && _high.TryFormat(destination, out _, "x16", CultureInfo.InvariantCulture)
            && _low.TryFormat(destination[16..], out _, "x16", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Writes a compact id's 32 hexadecimal digits as UTF-8 into <paramref name="destination"/>, which must be at
    /// least 32 bytes long. Returns <see langword="false"/>, and writes nothing, for an id kept as text.
    /// </summary>
    internal bool TryFormatCompactUtf8(Span<byte> destination)
    {
        if (_text is not null)
        {
            return false;
        }

        WriteHex(destination[..16], _high);
        WriteHex(destination[16..32], _low);
        return true;
    }

    private static void WriteHex(Span<byte> destination, ulong value)
    {
        var digits = "0123456789abcdef"u8;
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = digits[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    /// <summary>The number of characters that <see cref="TryFormat"/> writes.</summary>
    public int FormattedLength => _text?.Length ?? 32;

    /// <inheritdoc/>
    public override string ToString()
    {
        if (_text is not null)
        {
            return _text;
        }

        return IsEmpty ? string.Empty : string.Create(32, this, static (span, id) => id.TryFormat(span, out _));
    }

    /// <inheritdoc/>
    public bool Equals(EventId other) => _high == other._high && _low == other._low && _text == other._text;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is EventId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _text?.GetHashCode(StringComparison.Ordinal) ?? HashCode.Combine(_high, _low);

    /// <summary>Compares two ids by value.</summary>
    public static bool operator ==(EventId left, EventId right) => left.Equals(right);

    /// <summary>Compares two ids by value.</summary>
    public static bool operator !=(EventId left, EventId right) => !left.Equals(right);

    private static ulong CreateProcessPrefix()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        var prefix = BitConverter.ToUInt64(bytes);

        // A zero prefix would make the first ids look like the empty id.
        return prefix == 0 ? 1 : prefix;
    }
}
