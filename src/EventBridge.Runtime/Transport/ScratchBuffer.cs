using System.Buffers;

namespace EventBridge.Transport;

/// <summary>
/// One growable buffer per thread for writing a frame or payload before it is copied out at its exact length.
/// <see cref="System.Text.Json.Utf8JsonWriter"/> requests 4 KiB or more at a time from its output, so a new small
/// buffer per frame grows past 4 KiB and is thrown away. A kept buffer grows once.
/// </summary>
internal static class ScratchBuffer
{
    /// <summary>A buffer that grew past this is not kept, so one large frame does not hold memory on its thread for good.</summary>
    private const int LargestKeptBytes = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>
    /// Takes the thread's buffer, empty, or a new one when it is in use (a write inside a write); give it back with
    /// <see cref="Return"/>.
    /// </summary>
    public static ArrayBufferWriter<byte> Rent()
    {
        var buffer = t_buffer;
        if (buffer is null)
        {
            return new ArrayBufferWriter<byte>(8 * 1024);
        }

        t_buffer = null;
        buffer.ResetWrittenCount();
        return buffer;
    }

    /// <summary>Keeps <paramref name="buffer"/> for the thread's next <see cref="Rent"/>.</summary>
    public static void Return(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= LargestKeptBytes)
        {
            t_buffer = buffer;
        }
    }

    /// <summary>Copies the written bytes of <paramref name="buffer"/> into a new array and returns the buffer to the thread.</summary>
    public static byte[] ToArrayAndReturn(ArrayBufferWriter<byte> buffer)
    {
        var bytes = buffer.WrittenSpan.ToArray();
        Return(buffer);
        return bytes;
    }
}
