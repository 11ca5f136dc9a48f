using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;

namespace EventBridge.Transport;

/// <summary>
/// Reads the members of an event frame without a full JSON parse. <see cref="Scan"/> reads a frame that a server
/// relayed and trusts its syntax. <see cref="ScanChecked"/> reads a frame that a client sent, which the server must
/// check before relaying it, and checks it as strictly as <see cref="Frame.Parse"/> does.
/// </summary>
/// <remarks>
/// <para>
/// The server checked every frame it relays, the UTF-8 encoding included, so a client reads the same frame a second
/// time only to find its members: <see cref="Scan"/> reads member names and routing strings as they are, and skips
/// <c>args</c>, <c>kwargs</c> and members the client ignores by matching brackets and quotes, without checking what is
/// between them. If a server relays a payload that is not valid JSON after all, the consumer's payload parse fails and
/// reports it, instead of the client dropping the frame.
/// </para>
/// <para>
/// Both return the default frame, whose <see cref="Frame.Signal"/> is null, for a frame they do not expect (a control
/// frame, an escaped name or routing string, a repeated member, a wrong type, nesting within one level of the limit,
/// and for <see cref="ScanChecked"/> anything that is not valid JSON). The caller then parses it with
/// <see cref="Frame.Parse"/>, which reads it or reports what is wrong. A scanner may defer a frame the parser accepts,
/// but must never accept a frame the parser rejects or read one differently.
/// </para>
/// </remarks>
internal static class RelayedFrameScanner
{
    /// <summary>Bits for the members that may appear once; a repeated one makes the scan defer to the full parser.</summary>
    private const int SignalBit = 1, ArgsBit = 2, KwargsBit = 4, NamespaceBit = 8, IdBit = 16, SourceBit = 32, SeqBit = 64, TypeBit = 128;

    /// <summary>
    /// The bytes at which a checked string stops: its closing quote, an escape, or a control character, which JSON does
    /// not allow unescaped in a string.
    /// </summary>
    private static readonly SearchValues<byte> s_stringStops = SearchValues.Create(
        [(byte)'"', (byte)'\\', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);

    /// <summary>
    /// Reads an event frame that a server relayed, or returns the default frame, whose <see cref="Frame.Signal"/> is
    /// null, when <see cref="Frame.Parse"/> must read it instead.
    /// </summary>
    /// <remarks>
    /// The frame is returned, not written to an <see langword="out"/> parameter: the runtime places a returned struct
    /// on the caller's stack, while a write to an <see langword="out"/> parameter may reach the heap, so each of the
    /// frame's reference fields costs a write barrier. With an <see langword="out"/> parameter, scanning
    /// <c>{"signal":"load"}</c> took 217 ns instead of 37 ns.
    /// </remarks>
    public static Frame Scan(ReadOnlySpan<byte> json, int maxDepth) => ScanCore(json, maxDepth, check: false);

    /// <summary>
    /// Reads an event frame from a client and checks it as <see cref="Frame.Parse"/> does: the UTF-8 encoding, and the
    /// JSON syntax of every member, the payload included. Returns the default frame when <see cref="Frame.Parse"/> must
    /// read it instead, either because the frame is invalid or because it has something this path does not handle.
    /// </summary>
    public static Frame ScanChecked(ReadOnlySpan<byte> json, int maxDepth) =>
        Utf8.IsValid(json) ? ScanCore(json, maxDepth, check: true) : default;

    private static Frame ScanCore(ReadOnlySpan<byte> json, int maxDepth, bool check)
    {
        var position = SkipWhitespace(json, 0);
        if (position >= json.Length || json[position] != (byte)'{')
        {
            return default;
        }

        string? signal = null, @namespace = null, sourceName = null, sourceAddress = null;
        EventId id = default;
        bool hasId = false, hasSource = false;
        long? seq = null;
        Range args = default, kwargs = default;
        var seen = 0;

        position = SkipWhitespace(json, position + 1);
        if (position < json.Length && json[position] == (byte)'}')
        {
            // An empty object has no signal; Frame.Parse rejects it with the reason.
            return default;
        }

        while (true)
        {
            if (!TryReadMemberName(json, ref position, check, out var name))
            {
                return default;
            }

            var ok = name switch
            {
                _ when name.SequenceEqual("signal"u8) =>
                    Once(ref seen, SignalBit) && TryReadCachedString(json, ref position, nullable: false, check, out signal),
                _ when name.SequenceEqual("args"u8) =>
                    Once(ref seen, ArgsBit) && TryReadContainer(json, ref position, (byte)'[', maxDepth, check, out args),
                _ when name.SequenceEqual("kwargs"u8) =>
                    Once(ref seen, KwargsBit) && TryReadContainer(json, ref position, (byte)'{', maxDepth, check, out kwargs),
                _ when name.SequenceEqual("id"u8) =>
                    Once(ref seen, IdBit) && TryReadId(json, ref position, check, out hasId, out id),
                _ when name.SequenceEqual("namespace"u8) =>
                    Once(ref seen, NamespaceBit) && TryReadCachedString(json, ref position, nullable: true, check, out @namespace),
                _ when name.SequenceEqual("source"u8) =>
                    Once(ref seen, SourceBit) && TryReadSource(json, ref position, maxDepth, check, out hasSource, out sourceName, out sourceAddress),
                _ when name.SequenceEqual("seq"u8) =>
                    Once(ref seen, SeqBit) && TryReadSequence(json, ref position, out seq),
                _ when name.SequenceEqual("type"u8) =>
                    Once(ref seen, TypeBit) && TryReadPlainString(json, ref position, check, out var type) && type.SequenceEqual("event"u8),
                // Every event frame has a time member, which nothing reads. Matching it here saves comparing it with the
                // handshake names below.
                _ when name.SequenceEqual("time"u8) => TrySkipValue(json, ref position, maxDepth, depth: 1, check),
                _ when IsHandshakeMember(name) => false,
                _ => TrySkipValue(json, ref position, maxDepth, depth: 1, check),
            };

            if (!ok || !TryReadMemberEnd(json, ref position, out var last))
            {
                return default;
            }

            if (last)
            {
                break;
            }
        }

        if (SkipWhitespace(json, position + 1) != json.Length || signal is null)
        {
            return default;
        }

        return new Frame
        {
            Kind = FrameKind.Event,
            Signal = signal,
            Namespace = string.IsNullOrEmpty(@namespace) ? null : @namespace,
            Id = id,
            HasId = hasId,
            SourceName = sourceName,
            SourceAddress = sourceAddress,
            HasSource = hasSource,
            Seq = seq,
            Args = args,
            Kwargs = kwargs,
        };
    }

    /// <summary>Members that <see cref="Frame.Parse"/> reads from other frame types; an event frame never has them.</summary>
    private static bool IsHandshakeMember(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("name"u8) || name.SequenceEqual("token"u8) || name.SequenceEqual("address"u8)
        || name.SequenceEqual("code"u8) || name.SequenceEqual("message"u8) || name.SequenceEqual("acks"u8)
        || name.SequenceEqual("receive"u8) || name.SequenceEqual("resume"u8) || name.SequenceEqual("run"u8)
        || name.SequenceEqual("position"u8) || name.SequenceEqual("replayed"u8) || name.SequenceEqual("gap"u8);

    private static bool Once(ref int seen, int bit)
    {
        if ((seen & bit) != 0)
        {
            return false;
        }

        seen |= bit;
        return true;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int position)
    {
        while (position < json.Length && json[position] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            position++;
        }

        return position;
    }

    /// <summary>Reads a member name without escapes and its colon, and moves to the start of the member's value.</summary>
    private static bool TryReadMemberName(ReadOnlySpan<byte> json, ref int position, bool check, out ReadOnlySpan<byte> name)
    {
        if (!TryReadPlainString(json, ref position, check, out name))
        {
            return false;
        }

        position = SkipWhitespace(json, position);
        if (position >= json.Length || json[position] != (byte)':')
        {
            return false;
        }

        position = SkipWhitespace(json, position + 1);
        return position < json.Length;
    }

    /// <summary>
    /// Moves past the comma after a member's value to the next member name, or stops at the object's closing brace,
    /// which sets <paramref name="last"/>.
    /// </summary>
    private static bool TryReadMemberEnd(ReadOnlySpan<byte> json, ref int position, out bool last)
    {
        last = false;
        position = SkipWhitespace(json, position);
        if (position >= json.Length)
        {
            return false;
        }

        if (json[position] == (byte)'}')
        {
            last = true;
            return true;
        }

        if (json[position] != (byte)',')
        {
            return false;
        }

        position = SkipWhitespace(json, position + 1);
        return true;
    }

    /// <summary>
    /// Reads a string without escapes at <paramref name="position"/>, and moves past its closing quote. With
    /// <paramref name="check"/>, a string with a control character is rejected, because JSON does not allow one unescaped.
    /// </summary>
    private static bool TryReadPlainString(ReadOnlySpan<byte> json, ref int position, bool check, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (position >= json.Length || json[position] != (byte)'"')
        {
            return false;
        }

        var rest = json[(position + 1)..];
        var end = check ? IndexOfStringStop(rest) : IndexOfQuoteOrEscape(rest);
        if (end < 0 || rest[end] != (byte)'"')
        {
            return false;
        }

        value = rest[..end];
        position += end + 2;
        return true;
    }

    private static bool TryReadNull(ReadOnlySpan<byte> json, ref int position)
    {
        if (json[position..].StartsWith("null"u8))
        {
            position += 4;
            return true;
        }

        return false;
    }

    private static bool TryReadCachedString(ReadOnlySpan<byte> json, ref int position, bool nullable, bool check, out string? value)
    {
        value = null;
        if (nullable && TryReadNull(json, ref position))
        {
            return true;
        }

        if (!TryReadPlainString(json, ref position, check, out var text))
        {
            return false;
        }

        value = FrameStrings.Get(text);
        return true;
    }

    private static bool TryReadId(ReadOnlySpan<byte> json, ref int position, bool check, out bool hasId, out EventId id)
    {
        hasId = false;
        id = default;
        if (TryReadNull(json, ref position))
        {
            return true;
        }

        if (!TryReadPlainString(json, ref position, check, out var text))
        {
            return false;
        }

        hasId = true;
        if (EventId.TryParseCompact(text, out id))
        {
            return true;
        }

        id = text.IsEmpty ? default : EventId.Parse(Encoding.UTF8.GetString(text));
        return true;
    }

    private static bool TryReadSequence(ReadOnlySpan<byte> json, ref int position, out long? seq)
    {
        seq = null;
        if (TryReadNull(json, ref position))
        {
            return true;
        }

        // A number that JSON does not allow (01, +1) or that is not an integer (1.5, 1e3) is left to the full parser,
        // which rejects it.
        var end = position;
        if (!TrySkipNumber(json, ref end))
        {
            return false;
        }

        var text = json[position..end];
        if (text.IndexOfAny((byte)'.', (byte)'e', (byte)'E') >= 0
            || !Utf8Parser.TryParse(text, out long value, out var consumed)
            || consumed != text.Length
            || value < 0)
        {
            return false;
        }

        seq = value;
        position = end;
        return true;
    }

    private static bool TryReadSource(
        ReadOnlySpan<byte> json, ref int position, int maxDepth, bool check, out bool hasSource, out string? name, out string? address)
    {
        hasSource = true;
        name = null;
        address = null;
        if (TryReadNull(json, ref position))
        {
            return true;
        }

        if (json[position] != (byte)'{')
        {
            return false;
        }

        position = SkipWhitespace(json, position + 1);
        if (position < json.Length && json[position] == (byte)'}')
        {
            position++;
            return true;
        }

        while (true)
        {
            if (!TryReadMemberName(json, ref position, check, out var member))
            {
                return false;
            }

            var ok = member.SequenceEqual("name"u8) ? TryReadCachedString(json, ref position, nullable: true, check, out name)
                : member.SequenceEqual("address"u8) ? TryReadCachedString(json, ref position, nullable: true, check, out address)
                : TrySkipValue(json, ref position, maxDepth, depth: 2, check);
            if (!ok || !TryReadMemberEnd(json, ref position, out var last))
            {
                return false;
            }

            if (last)
            {
                position++;
                return true;
            }
        }
    }

    /// <summary>Reads <c>null</c> or a container that opens with <paramref name="open"/>, as a byte range.</summary>
    private static bool TryReadContainer(ReadOnlySpan<byte> json, ref int position, byte open, int maxDepth, bool check, out Range range)
    {
        range = default;
        if (TryReadNull(json, ref position))
        {
            return true;
        }

        if (json[position] != open)
        {
            return false;
        }

        var start = position;
        if (!TrySkipValue(json, ref position, maxDepth, depth: 1, check))
        {
            return false;
        }

        range = start..position;
        return true;
    }

    /// <summary>
    /// Moves past one value: a string, a container by its matching bracket, or a number or literal by its last byte.
    /// <paramref name="depth"/> is the nesting of the object the value belongs to. A container that comes within one
    /// level of <paramref name="maxDepth"/> is left to the full parser, so that the scanner never accepts a frame that
    /// the parser's own depth count would reject. With <paramref name="check"/>, the value's syntax is checked as well.
    /// </summary>
    private static bool TrySkipValue(ReadOnlySpan<byte> json, ref int position, int maxDepth, int depth, bool check)
    {
        if (check)
        {
            return TrySkipCheckedValue(json, ref position, maxDepth, depth);
        }

        var first = json[position];
        if (first == (byte)'"')
        {
            return TrySkipString(json, ref position);
        }

        if (first is not ((byte)'{' or (byte)'['))
        {
            // A number, true, false or null runs until the next delimiter.
            var end = position;
            while (end < json.Length && !IsDelimiter(json[end]))
            {
                end++;
            }

            if (end == position || end == json.Length)
            {
                return false;
            }

            position = end;
            return true;
        }

        // Outside strings the bytes are read one by one, because a payload's runs between quotes and brackets are short
        // (a colon, a comma, a number) and a vectorized search costs more to start than it saves there. Strings, which
        // may be long, are skipped with one.
        var open = 0;
        var index = position;
        while (index < json.Length)
        {
            var current = json[index];
            if (current == (byte)'"')
            {
                if (!TrySkipString(json, ref index))
                {
                    return false;
                }

                continue;
            }

            if (current is (byte)'{' or (byte)'[')
            {
                open++;
                if (depth + open >= maxDepth)
                {
                    return false;
                }
            }
            else if (current is (byte)'}' or (byte)']')
            {
                open--;
                if (open == 0)
                {
                    position = index + 1;
                    return true;
                }
            }

            index++;
        }

        return false;
    }

    /// <summary>
    /// Returns the index of the first quote or backslash in <paramref name="text"/>, or -1. Most strings in a frame
    /// are short names, so the first 16 bytes are compared one by one before a vectorized search takes over.
    /// </summary>
    private static int IndexOfQuoteOrEscape(ReadOnlySpan<byte> text)
    {
        var scalar = Math.Min(text.Length, 16);
        for (var index = 0; index < scalar; index++)
        {
            if (text[index] is (byte)'"' or (byte)'\\')
            {
                return index;
            }
        }

        if (scalar == text.Length)
        {
            return -1;
        }

        var found = text[scalar..].IndexOfAny((byte)'"', (byte)'\\');
        return found < 0 ? -1 : scalar + found;
    }

    /// <summary>Returns whether <paramref name="value"/> ends a number or literal.</summary>
    private static bool IsDelimiter(byte value) =>
        value is (byte)',' or (byte)'}' or (byte)']' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>Moves past a string that may contain escapes.</summary>
    private static bool TrySkipString(ReadOnlySpan<byte> json, ref int position)
    {
        var index = position + 1;
        while (index < json.Length)
        {
            var next = IndexOfQuoteOrEscape(json[index..]);
            if (next < 0)
            {
                return false;
            }

            index += next;
            if (json[index] == (byte)'\\')
            {
                index += 2;
                continue;
            }

            position = index + 1;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Moves past one value and checks its JSON syntax on the way: containers member by member, strings with their
    /// escapes, numbers and literals by their grammar. Nesting is tracked in one bit per level, so a value nested more
    /// than 64 levels deep, like one within a level of <paramref name="maxDepth"/>, is left to the full parser.
    /// </summary>
    /// <remarks>
    /// The walk is a loop rather than a recursion, so that no payload, however deep the limit is set, can exhaust the
    /// stack of the thread that reads it.
    /// </remarks>
    private static bool TrySkipCheckedValue(ReadOnlySpan<byte> json, ref int position, int maxDepth, int depth)
    {
        var index = position;
        var level = 0;
        var objects = 0UL;
        while (true)
        {
            // At the start of a value.
            if (index >= json.Length)
            {
                return false;
            }

            var current = json[index];
            if (current is (byte)'{' or (byte)'[')
            {
                if (level == 64 || depth + level + 1 >= maxDepth)
                {
                    return false;
                }

                var isObject = current == (byte)'{';
                objects = isObject ? objects | (1UL << level) : objects & ~(1UL << level);
                level++;
                index = SkipWhitespace(json, index + 1);
                if (index >= json.Length)
                {
                    return false;
                }

                if (json[index] != (isObject ? (byte)'}' : (byte)']'))
                {
                    if (isObject && !TrySkipCheckedKey(json, ref index))
                    {
                        return false;
                    }

                    continue;
                }
            }
            else
            {
                var done = current == (byte)'"' ? TrySkipCheckedString(json, ref index) : TrySkipScalar(json, ref index);
                if (!done)
                {
                    return false;
                }

                if (level == 0)
                {
                    position = index;
                    return true;
                }

                index = SkipWhitespace(json, index);
            }

            // After a value, or at the closing bracket of an empty container: a comma and the next value, or the
            // closing bracket of the innermost open container, which may close the ones around it in turn.
            while (true)
            {
                if (index >= json.Length)
                {
                    return false;
                }

                var inObject = (objects & (1UL << (level - 1))) != 0;
                var next = json[index];
                if (next == (byte)',')
                {
                    index = SkipWhitespace(json, index + 1);
                    if (inObject && !TrySkipCheckedKey(json, ref index))
                    {
                        return false;
                    }

                    break;
                }

                if (next != (inObject ? (byte)'}' : (byte)']'))
                {
                    return false;
                }

                level--;
                index++;
                if (level == 0)
                {
                    position = index;
                    return true;
                }

                index = SkipWhitespace(json, index);
            }
        }
    }

    /// <summary>Moves past a member name in a payload object, its colon and the whitespace after it.</summary>
    private static bool TrySkipCheckedKey(ReadOnlySpan<byte> json, ref int index)
    {
        if (index >= json.Length || json[index] != (byte)'"' || !TrySkipCheckedString(json, ref index))
        {
            return false;
        }

        index = SkipWhitespace(json, index);
        if (index >= json.Length || json[index] != (byte)':')
        {
            return false;
        }

        index = SkipWhitespace(json, index + 1);
        return true;
    }

    /// <summary>Moves past a string, checking that it has no control characters and only the escapes JSON defines.</summary>
    private static bool TrySkipCheckedString(ReadOnlySpan<byte> json, ref int position)
    {
        var index = position + 1;
        while (true)
        {
            var found = IndexOfStringStop(json[index..]);
            if (found < 0)
            {
                return false;
            }

            index += found;
            var stop = json[index];
            if (stop == (byte)'"')
            {
                position = index + 1;
                return true;
            }

            if (stop != (byte)'\\' || index + 1 >= json.Length)
            {
                return false;
            }

            var escaped = json[index + 1];
            if (escaped == (byte)'u')
            {
                if (index + 5 >= json.Length
                    || !char.IsAsciiHexDigit((char)json[index + 2]) || !char.IsAsciiHexDigit((char)json[index + 3])
                    || !char.IsAsciiHexDigit((char)json[index + 4]) || !char.IsAsciiHexDigit((char)json[index + 5]))
                {
                    return false;
                }

                index += 6;
            }
            else if (escaped is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
            {
                index += 2;
            }
            else
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Returns the index of the first quote, backslash or control character in <paramref name="text"/>, or -1. As in
    /// <see cref="IndexOfQuoteOrEscape"/>, the first 16 bytes are compared one by one.
    /// </summary>
    private static int IndexOfStringStop(ReadOnlySpan<byte> text)
    {
        var scalar = Math.Min(text.Length, 16);
        for (var index = 0; index < scalar; index++)
        {
            if (text[index] is < 0x20 or (byte)'"' or (byte)'\\')
            {
                return index;
            }
        }

        if (scalar == text.Length)
        {
            return -1;
        }

        var found = text[scalar..].IndexOfAny(s_stringStops);
        return found < 0 ? -1 : scalar + found;
    }

    /// <summary>Moves past <c>true</c>, <c>false</c>, <c>null</c> or a number.</summary>
    private static bool TrySkipScalar(ReadOnlySpan<byte> json, ref int position)
    {
        var literal = json[position] switch
        {
            (byte)'t' => "true"u8,
            (byte)'f' => "false"u8,
            (byte)'n' => "null"u8,
            _ => default,
        };

        if (literal.IsEmpty)
        {
            return TrySkipNumber(json, ref position);
        }

        if (!json[position..].StartsWith(literal))
        {
            return false;
        }

        position += literal.Length;
        return true;
    }

    /// <summary>
    /// Moves past a number in JSON's grammar: an optional minus, an integer part without leading zeros, an optional
    /// fraction and an optional exponent, each with at least one digit.
    /// </summary>
    private static bool TrySkipNumber(ReadOnlySpan<byte> json, ref int position)
    {
        var index = position;
        if (index < json.Length && json[index] == (byte)'-')
        {
            index++;
        }

        if (index >= json.Length || !char.IsAsciiDigit((char)json[index]))
        {
            return false;
        }

        if (json[index] == (byte)'0')
        {
            index++;
        }
        else
        {
            index = SkipDigits(json, index);
        }

        if (index < json.Length && json[index] == (byte)'.')
        {
            var fraction = index + 1;
            index = SkipDigits(json, fraction);
            if (index == fraction)
            {
                return false;
            }
        }

        if (index < json.Length && json[index] is (byte)'e' or (byte)'E')
        {
            index++;
            if (index < json.Length && json[index] is (byte)'+' or (byte)'-')
            {
                index++;
            }

            var exponent = index;
            index = SkipDigits(json, exponent);
            if (index == exponent)
            {
                return false;
            }
        }

        position = index;
        return true;
    }

    private static int SkipDigits(ReadOnlySpan<byte> json, int index)
    {
        while (index < json.Length && char.IsAsciiDigit((char)json[index]))
        {
            index++;
        }

        return index;
    }
}
