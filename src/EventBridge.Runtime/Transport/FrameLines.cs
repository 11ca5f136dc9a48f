using System.Buffers;

namespace EventBridge.Transport;

/// <summary>Splits a byte stream into newline-delimited frames.</summary>
internal static class FrameLines
{
    /// <summary>
    /// Takes the next complete line from <paramref name="buffer"/>, without its <c>\n</c> or <c>\r\n</c> ending.
    /// </summary>
    /// <returns><see langword="false"/> when the buffer holds no newline yet.</returns>
    public static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, newline.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        if (!line.IsEmpty && EndsWithCarriageReturn(line))
        {
            line = line.Slice(0, line.Length - 1);
        }

        return true;
    }

    private static bool EndsWithCarriageReturn(ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            return line.FirstSpan[^1] == (byte)'\r';
        }

        return line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r';
    }
}
