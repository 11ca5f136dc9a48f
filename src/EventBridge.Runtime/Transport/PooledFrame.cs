using System.Buffers;
using System.Collections.Concurrent;

namespace EventBridge.Transport;

/// <summary>
/// A frame in a pooled array, shared by the send queues of every client that receives it. Each queue holds one
/// reference, and the array goes back to the pool when the last one is released. A relayed event therefore costs no
/// allocation once the pool is warm.
/// </summary>
/// <remarks>
/// The pool is this class's own rather than <see cref="ArrayPool{T}.Shared"/>, which keeps a few dozen arrays per
/// size. A read loop parses thousands of frames from one burst before the write loops release them, so all of them
/// are in flight at once. Each size class from 256 bytes to 64 KiB keeps up to 2 MiB of arrays, so the pool keeps at
/// most 18 MiB after the largest bursts. Larger frames use <see cref="ArrayPool{T}.Shared"/>.
/// </remarks>
internal sealed class PooledFrame
{
    /// <summary>Spare instances kept for reuse; beyond this many, released instances are left to the collector.</summary>
    private const int MaxSpares = 16 * 1024;

    private const int SmallestClassBytes = 256;

    private const int ClassCount = 9;

    private const int BytesPerClass = 2 * 1024 * 1024;

    private static readonly ConcurrentQueue<PooledFrame> s_spares = new();
    private static readonly ConcurrentQueue<byte[]>[] s_arrays = CreateClasses();
    private static readonly int[] s_arrayCounts = new int[ClassCount];
    private static int s_spareCount;

    private byte[] _buffer = [];
    private int _references;

    private PooledFrame()
    {
    }

    /// <summary>The rented array; only the first <see cref="Length"/> bytes belong to the frame.</summary>
    public byte[] Buffer => _buffer;

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>Rents a frame of <paramref name="length"/> bytes, holding one reference for the caller.</summary>
    public static PooledFrame Rent(int length)
    {
        if (s_spares.TryDequeue(out var frame))
        {
            Interlocked.Decrement(ref s_spareCount);
        }
        else
        {
            frame = new PooledFrame();
        }

        frame._buffer = RentArray(length);
        frame.Length = length;
        frame._references = 1;
        return frame;
    }

    /// <summary>Rents a frame that contains a copy of <paramref name="bytes"/>.</summary>
    public static PooledFrame Copy(ReadOnlySpan<byte> bytes)
    {
        var frame = Rent(bytes.Length);
        bytes.CopyTo(frame._buffer);
        return frame;
    }

    /// <summary>Adds a reference for another holder, such as one more send queue.</summary>
    public void AddReference()
    {
        if (Interlocked.Increment(ref _references) <= 1)
        {
            throw new InvalidOperationException("The pooled frame was already returned to its pool.");
        }
    }

    /// <summary>Drops one reference; the last one returns the array and this instance to their pools.</summary>
    public void Release()
    {
        var remaining = Interlocked.Decrement(ref _references);
        if (remaining > 0)
        {
            return;
        }

        if (remaining < 0)
        {
            throw new InvalidOperationException("The pooled frame was released more often than it was referenced.");
        }

        ReturnArray(_buffer);
        _buffer = [];
        Length = 0;
        if (Interlocked.Increment(ref s_spareCount) <= MaxSpares)
        {
            s_spares.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_spareCount);
        }
    }

    private static ConcurrentQueue<byte[]>[] CreateClasses()
    {
        var classes = new ConcurrentQueue<byte[]>[ClassCount];
        for (var i = 0; i < classes.Length; i++)
        {
            classes[i] = new ConcurrentQueue<byte[]>();
        }

        return classes;
    }

    /// <summary>Returns the size class whose arrays have at least <paramref name="length"/> bytes, or -1.</summary>
    private static int GetClass(int length)
    {
        var size = SmallestClassBytes;
        for (var index = 0; index < ClassCount; index++, size <<= 1)
        {
            if (length <= size)
            {
                return index;
            }
        }

        return -1;
    }

    private static byte[] RentArray(int length)
    {
        var index = GetClass(length);
        if (index < 0)
        {
            return ArrayPool<byte>.Shared.Rent(length);
        }

        if (s_arrays[index].TryDequeue(out var array))
        {
            Interlocked.Decrement(ref s_arrayCounts[index]);
            return array;
        }

        return new byte[SmallestClassBytes << index];
    }

    private static void ReturnArray(byte[] array)
    {
        var index = GetClass(array.Length);
        if (index < 0 || array.Length != SmallestClassBytes << index)
        {
            ArrayPool<byte>.Shared.Return(array);
            return;
        }

        var limit = BytesPerClass / array.Length;
        if (Interlocked.Increment(ref s_arrayCounts[index]) <= limit)
        {
            s_arrays[index].Enqueue(array);
        }
        else
        {
            Interlocked.Decrement(ref s_arrayCounts[index]);
        }
    }
}
