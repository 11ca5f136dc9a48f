using System.Buffers;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EventBridge.Serialization;

/// <summary>
/// Reading steps and error messages shared by the serializers that the EventBridge generator writes. Generated code
/// calls these members; hand-written serializers may use them too.
/// </summary>
/// <remarks>
/// Errors carry a member path. A serializer throws a <see cref="PayloadException"/> without a path at the value that
/// failed, and each enclosing object or collection rethrows it with its member name or index in front, so the
/// caller sees one exception whose <see cref="PayloadException.MemberPath"/> leads from the payload to the value,
/// for example <c>lines[2].count</c>. The innermost exception is kept as <see cref="Exception.InnerException"/>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PayloadJson
{
    /// <summary>Moves to the next token.</summary>
    /// <exception cref="PayloadException">The JSON is malformed or ends early.</exception>
    public static void ReadNext(ref Utf8JsonReader reader)
    {
        bool read;
        try
        {
            read = reader.Read();
        }
        catch (JsonException exception)
        {
            throw Malformed(exception);
        }

        if (!read)
        {
            throw new PayloadException("The JSON ends before the value is complete.");
        }
    }

    /// <summary>Skips the value that the reader is on, including everything that it contains.</summary>
    /// <exception cref="PayloadException">The JSON is malformed or ends early.</exception>
    public static void Skip(ref Utf8JsonReader reader)
    {
        try
        {
            reader.Skip();
        }
        catch (JsonException exception)
        {
            throw Malformed(exception);
        }
        catch (InvalidOperationException exception)
        {
            // Skip throws this when the data ends inside the value and more could follow.
            throw new PayloadException("The JSON ends before the value is complete.", null, exception);
        }
    }

    /// <summary>
    /// Finds the member that the property name under the reader names: first an exact match, then one that ignores
    /// case (ordinal), so an exact match wins when two names differ only by case.
    /// </summary>
    /// <param name="reader">A reader on a <see cref="JsonTokenType.PropertyName"/> token.</param>
    /// <param name="utf8Names">The members' JSON names in UTF-8.</param>
    /// <param name="names">The same names as strings.</param>
    /// <returns>The index of the member, or -1 when no member has the name.</returns>
    public static int MatchMember(ref Utf8JsonReader reader, byte[][] utf8Names, string[] names)
    {
        ArgumentNullException.ThrowIfNull(utf8Names);
        ArgumentNullException.ThrowIfNull(names);

        // ValueTextEquals decodes an escaped name on each call and throws InvalidOperationException for a lone
        // surrogate, so an escaped name is decoded once, by GetString, which reports it as a PayloadException.
        var name = reader.ValueIsEscaped ? GetString(ref reader) : null;
        for (var i = 0; i < utf8Names.Length; i++)
        {
            if (name is null ? reader.ValueTextEquals(utf8Names[i]) : string.Equals(name, names[i], StringComparison.Ordinal))
            {
                return i;
            }
        }

        name ??= GetString(ref reader);
        for (var i = 0; i < names.Length; i++)
        {
            if (string.Equals(name, names[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Finds the member that the property name under the reader names, as
    /// <see cref="MatchMember(ref Utf8JsonReader, byte[][], string[])"/> does, but compares the name with the member at
    /// <paramref name="expected"/> first and then sets <paramref name="expected"/> to the index after the member found.
    /// JSON written from a type lists its members in one order, so each name is then compared once instead of with
    /// every member before it.
    /// </summary>
    /// <param name="reader">A reader on a <see cref="JsonTokenType.PropertyName"/> token.</param>
    /// <param name="utf8Names">The members' JSON names in UTF-8.</param>
    /// <param name="names">The same names as strings.</param>
    /// <param name="expected">The index of the member that probably comes next; start with 0.</param>
    /// <returns>The index of the member, or -1 when no member has the name.</returns>
    public static int MatchMember(ref Utf8JsonReader reader, byte[][] utf8Names, string[] names, ref int expected)
    {
        ArgumentNullException.ThrowIfNull(utf8Names);

        // The generator rejects a type with two members of one JSON name, so an exact match at the expected index is
        // the member the full search would find.
        var guess = expected;
        var member = (uint)guess < (uint)utf8Names.Length && !reader.ValueIsEscaped && reader.ValueTextEquals(utf8Names[guess])
            ? guess
            : MatchMember(ref reader, utf8Names, names);
        if (member >= 0)
        {
            expected = member + 1;
        }

        return member;
    }

    /// <summary>Returns the text of the string or property name that the reader is on.</summary>
    /// <exception cref="PayloadException">
    /// The token is not a string, its bytes are not valid UTF-8, or it has an escaped lone surrogate.
    /// </exception>
    public static string GetString(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
        {
            throw UnexpectedToken(reader.TokenType, "a string");
        }

        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException exception)
        {
            // Utf8JsonReader checks the structure while reading, but the UTF-8 of a string and its escapes only when
            // decoding it.
            throw new PayloadException(
                "The string is not valid text: its bytes are not valid UTF-8, or it has an escaped UTF-16 surrogate " +
                "(\\ud800 to \\udfff) without its pair.",
                null,
                exception);
        }
    }

    /// <summary>
    /// Creates the error for a payload type's constructor that rejected the values read, for example with an
    /// <see cref="ArgumentException"/> from its validation.
    /// </summary>
    public static PayloadException ConstructorFailed(string typeName, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new PayloadException($"Creating {typeName} from the values read failed: {exception.Message}", null, exception);
    }

    /// <summary>Checks that the reader is on the start of an object.</summary>
    /// <exception cref="PayloadException">It is on another token.</exception>
    public static void ExpectStartObject(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw UnexpectedToken(reader.TokenType, "an object");
        }
    }

    /// <summary>Checks that the reader is on the start of an array.</summary>
    /// <exception cref="PayloadException">It is on another token.</exception>
    public static void ExpectStartArray(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw UnexpectedToken(reader.TokenType, "an array");
        }
    }

    /// <summary>Creates the error for a token of the wrong kind, for example a string where a number belongs.</summary>
    /// <param name="found">The token that the reader is on.</param>
    /// <param name="expected">What belongs there, with its article: <c>"a number"</c>.</param>
    public static PayloadException UnexpectedToken(JsonTokenType found, string expected) =>
        new($"Expected {expected} but found {Describe(found)}.");

    /// <summary>Creates the error for a number that does not fit the member's type.</summary>
    public static PayloadException OutOfRange(ref Utf8JsonReader reader, string typeName) =>
        new($"The number {GetRawText(ref reader)} is not a valid {typeName}: it is out of range or not an integer.");

    /// <summary>Creates the error for a string that is not in the format that the member's type needs.</summary>
    public static PayloadException InvalidFormat(string? text, string typeName, string expectedFormat) =>
        new($"The string \"{Shorten(text)}\" is not a valid {typeName}; expected {expectedFormat}.");

    /// <summary>Creates the error for a required member that the JSON object lacks.</summary>
    /// <param name="jsonName">The member's JSON name.</param>
    public static PayloadException MissingMember(string jsonName) =>
        AtMember(new PayloadException("The required member is missing."), jsonName);

    /// <summary>
    /// Creates the error for <c>null</c> in a member whose type does not allow it; the caller puts the member name in
    /// front with <see cref="AtMember"/>.
    /// </summary>
    public static PayloadException NullNotAllowed() =>
        new("The value must not be null, because the member's type is not nullable.");

    /// <summary>Creates the error for a value type that was given <c>null</c>.</summary>
    /// <param name="typeName">The type, for the message.</param>
    public static PayloadException NullForValueType(string typeName) =>
        new($"The value must not be null, because {typeName} is not nullable.");

    /// <summary>Creates the error for a value that cannot be written as JSON.</summary>
    public static PayloadException CannotWrite(string reason) => new($"The value cannot be written as JSON: {reason}.");

    /// <summary>Puts an object member's JSON name in front of the exception's member path.</summary>
    public static PayloadException AtMember(PayloadException exception, string jsonName)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return WithPath(exception, jsonName);
    }

    /// <summary>Puts an array index in front of the exception's member path.</summary>
    public static PayloadException AtIndex(PayloadException exception, int index)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return WithPath(exception, "[" + index.ToString(CultureInfo.InvariantCulture) + "]");
    }

    /// <summary>
    /// Returns an exception whose message names <paramref name="signal"/>, for a payload that a consumer could not
    /// read; an exception that already names it is returned unchanged.
    /// </summary>
    public static PayloadException ForSignal(PayloadException exception, string signal)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.Message.Contains("signal '" + signal + "'", StringComparison.Ordinal))
        {
            return exception;
        }

        var leaf = GetLeaf(exception);
        var location = exception.MemberPath is null ? string.Empty : $" at '{exception.MemberPath}'";
        return new PayloadException(
            $"The payload of signal '{signal}' is invalid{location}. {leaf.Message}", exception.MemberPath, leaf);
    }

    /// <summary>
    /// Returns an exception whose message names <paramref name="signal"/> and <paramref name="parameterName"/>, for
    /// an argument that a consumer could not read; an exception that already names the signal is returned unchanged.
    /// </summary>
    public static PayloadException ForArgument(PayloadException exception, string signal, string parameterName, string jsonName)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.Message.Contains("signal '" + signal + "'", StringComparison.Ordinal))
        {
            return exception;
        }

        var leaf = GetLeaf(exception);
        var path = exception.MemberPath is null ? jsonName : Combine(jsonName, exception.MemberPath);
        return new PayloadException(
            $"The argument '{parameterName}' of signal '{signal}' is invalid at '{path}'. {leaf.Message}", path, leaf);
    }

    /// <summary>Creates the error for a consumer parameter that the event supplies neither by name nor by position.</summary>
    public static PayloadException MissingArgument(string signal, string parameterName, string jsonName, int position) =>
        new($"The event of signal '{signal}' has no value for the required parameter '{parameterName}': expected the " +
            $"kwargs member '{jsonName}' or the args element at position {position.ToString(CultureInfo.InvariantCulture)}.",
            jsonName);

    /// <summary>Creates the error for a null payload given to a consumer parameter that does not accept null.</summary>
    public static PayloadException NullPayload(string signal, string parameterName) =>
        new($"The payload of signal '{signal}' is null, but the parameter '{parameterName}' does not accept null; " +
            "emit a value, or make the parameter's type nullable (add '?') to accept null.");

    private static PayloadException Malformed(JsonException exception) =>
        new($"The JSON is malformed: {exception.Message}", null, exception);

    private static PayloadException WithPath(PayloadException exception, string segment)
    {
        var path = exception.MemberPath is null ? segment : Combine(segment, exception.MemberPath);
        var leaf = GetLeaf(exception);
        return new PayloadException($"At '{path}': {leaf.Message}", path, leaf);
    }

    private static string Combine(string head, string tail) => tail.StartsWith('[') ? head + tail : head + "." + tail;

    // Exceptions with a path always wrap the exception without one, so one step finds it.
    private static PayloadException GetLeaf(PayloadException exception) =>
        exception.MemberPath is not null && exception.InnerException is PayloadException { MemberPath: null } leaf
            ? leaf
            : exception;

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.EndObject => "the end of an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.EndArray => "the end of an array",
        JsonTokenType.PropertyName => "a property name",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.Comment => "a comment",
        _ => "no value",
    };

    private static string GetRawText(ref Utf8JsonReader reader)
    {
        var bytes = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
        return Shorten(Encoding.UTF8.GetString(bytes));
    }

    // Long values are cut in messages, because a message may end up in a log line.
    private const int MaxQuotedLength = 64;

    private static string Shorten(string? text)
    {
        if (text is null)
        {
            return "null";
        }

        return text.Length <= MaxQuotedLength ? text : text[..MaxQuotedLength] + "...";
    }
}
