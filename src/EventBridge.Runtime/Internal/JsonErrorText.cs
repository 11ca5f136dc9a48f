using System.Text.Json;

namespace EventBridge.Internal;

/// <summary>
/// Rewrites where a JSON syntax error is for messages that people read. System.Text.Json appends
/// <c>LineNumber: 0 | BytePositionInLine: 0.</c>, counted from zero, while editors count lines and columns from one.
/// </summary>
internal static class JsonErrorText
{
    private const string PositionSuffix = " LineNumber: ";

    /// <summary>
    /// Returns the error's message, without its final period, followed by its line and column counted from one,
    /// such as <c>'}' is invalid after a property name (line 2, column 9)</c>. The column counts UTF-8 bytes, so it
    /// equals the character column in ASCII text only.
    /// </summary>
    public static string Describe(JsonException exception)
    {
        var message = exception.Message;
        var suffix = message.IndexOf(PositionSuffix, StringComparison.Ordinal);
        if (suffix >= 0)
        {
            message = message[..suffix];
        }

        message = message.TrimEnd(' ', '|', '.');

        if (exception.LineNumber is not { } line)
        {
            return message;
        }

        var column = (exception.BytePositionInLine ?? 0) + 1;
        return $"{message} (line {line + 1}, column {column})";
    }
}
