using System.Security.Cryptography;
using System.Text.Json;

namespace EventBridge.Transport;

/// <summary>
/// The events a server relayed most recently, kept as the exact frames it sent, so that a client that reconnects can
/// be sent what it missed while it was away. Bounded by bytes, by count and by age; the oldest events go first.
/// </summary>
/// <remarks>
/// Not thread-safe: the server appends and replays under one lock, which also covers sending each event to the
/// connected clients, so that the order of the buffer is the order in which every client received its events.
/// </remarks>
internal sealed class ReplayBuffer
{
    /// <summary>
    /// The largest share of the byte capacity that one frame may take. A bigger frame is recorded without its bytes,
    /// so that one large event cannot evict many small ones; replaying past it reports a gap.
    /// </summary>
    private const int LargestFrameShare = 8;

    private readonly int _byteCapacity;
    private readonly Entry[] _entries;
    private readonly long _maxAgeMilliseconds;
    private byte[]? _bytes;

    /// <summary>The index in <see cref="_entries"/> of the oldest entry.</summary>
    private int _oldest;

    private int _count;

    /// <summary>Where in <see cref="_bytes"/> the next frame goes.</summary>
    private int _write;

    /// <param name="maxBytes">The byte capacity; allocated at the first event, not before.</param>
    /// <param name="maxEvents">The largest number of events kept.</param>
    /// <param name="maxAge">How long an event stays eligible for replay.</param>
    public ReplayBuffer(int maxBytes, int maxEvents, TimeSpan maxAge)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        _byteCapacity = maxBytes;
        _entries = new Entry[maxEvents];
        _maxAgeMilliseconds = (long)maxAge.TotalMilliseconds;
        Run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    }

    /// <summary>
    /// A random name for this buffer, and so for the server process that owns it. A client that presents another run
    /// was connected to an earlier server, so every event in this buffer is news to it.
    /// </summary>
    public string Run { get; private set; }

    /// <summary>The number of events kept.</summary>
    public int Count => _count;

    /// <summary>The position of the newest event: the number of events appended so far.</summary>
    public long Position { get; private set; }

    /// <summary>The position of the oldest event still kept, or <see cref="Position"/> + 1 when none is.</summary>
    private long OldestPosition => Position - _count + 1;

    /// <summary>Appends a relayed frame, evicting the oldest events as needed; returns its position.</summary>
    /// <param name="frame">The frame as it was sent to clients, line feed included.</param>
    /// <param name="signal">The event's signal.</param>
    /// <param name="namespace">The event's namespace.</param>
    /// <param name="source">The name in the frame's <c>source</c> member.</param>
    /// <param name="id">The event's id.</param>
    /// <param name="sender">The resuming identity of the client that sent the event, which never gets it back.</param>
    public long Append(ReadOnlySpan<byte> frame, string signal, string? @namespace, string source, EventId id, string? sender) =>
        Append(frame, signal, @namespace, source, id, sender, Environment.TickCount64, kept: true);

    private long Append(
        ReadOnlySpan<byte> frame, string signal, string? @namespace, string source, EventId id, string? sender, long time, bool kept)
    {
        var now = time;
        kept = kept && frame.Length <= _byteCapacity / LargestFrameShare;
        if (_count == _entries.Length)
        {
            EvictOldest();
        }

        while (_count > 0 && now - _entries[_oldest].Time > _maxAgeMilliseconds)
        {
            EvictOldest();
        }

        var offset = -1;
        if (kept)
        {
            _bytes ??= new byte[_byteCapacity];
            offset = Reserve(frame.Length);
            frame.CopyTo(_bytes.AsSpan(offset));
        }

        var index = (_oldest + _count) % _entries.Length;
        _entries[index] = new Entry(offset, frame.Length, now, signal, @namespace, source, id, sender);
        _count++;
        return ++Position;
    }

    /// <summary>
    /// Returns the position of the event with <paramref name="id"/> from <paramref name="source"/>, or
    /// <see langword="null"/> when it is not kept (evicted, or never relayed by this server).
    /// </summary>
    public long? Find(string source, EventId id)
    {
        // Newest first: a client that asks normally left only moments ago.
        for (var k = _count - 1; k >= 0; k--)
        {
            ref readonly var entry = ref _entries[(_oldest + k) % _entries.Length];
            if (entry.Id == id && string.Equals(entry.Source, source, StringComparison.Ordinal))
            {
                return OldestPosition + k;
            }
        }

        return null;
    }

    /// <summary>
    /// Calls <paramref name="send"/> with a copy of every event after <paramref name="position"/> up to and including
    /// <paramref name="end"/>, oldest first, that
    /// <paramref name="filter"/> accepts and that <paramref name="client"/> did not send itself. Returns how many were
    /// sent, and whether any that should have been could not be: evicted, too old, or too large to keep.
    /// </summary>
    public (int Replayed, bool Gap) Replay<TState>(
        long position,
        long end,
        string? client,
        TState state,
        Func<TState, string, string?, bool> filter,
        Action<TState, byte[]> send)
    {
        // Events before the oldest kept one are gone, and whether the client would have received them is unknown.
        var gap = position + 1 < OldestPosition;
        var now = Environment.TickCount64;
        var replayed = 0;
        var stop = (int)Math.Min(_count, end + 1 - OldestPosition);
        for (var k = (int)Math.Max(0, position + 1 - OldestPosition); k < stop; k++)
        {
            ref readonly var entry = ref _entries[(_oldest + k) % _entries.Length];
            if ((client is not null && string.Equals(entry.Sender, client, StringComparison.Ordinal))
                || !filter(state, entry.Signal, entry.Namespace))
            {
                continue;
            }

            if (entry.Offset < 0 || now - entry.Time > _maxAgeMilliseconds)
            {
                gap = true;
                continue;
            }

            send(state, _bytes.AsSpan(entry.Offset, entry.Length).ToArray());
            replayed++;
        }

        return (replayed, gap);
    }

    /// <summary>
    /// Writes the run, the position and every kept event to <paramref name="path"/>, through a temporary file that
    /// replaces it whole, so that a server started later on the same file continues this run.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path)
    {
        var now = Environment.TickCount64;
        var wallNow = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new Utf8JsonWriter(file))
        {
            WriteLine(file, writer, w =>
            {
                w.WriteString("run"u8, Run);
                w.WriteNumber("position"u8, Position);
                w.WriteNumber("count"u8, _count);
            });
            for (var k = 0; k < _count; k++)
            {
                var entry = _entries[(_oldest + k) % _entries.Length];
                WriteLine(file, writer, w =>
                {
                    w.WriteString("signal"u8, entry.Signal);
                    w.WriteString("namespace"u8, entry.Namespace);
                    w.WriteString("source"u8, entry.Source);
                    w.WriteString("id"u8, entry.Id.ToString());
                    w.WriteString("sender"u8, entry.Sender);
                    w.WriteNumber("time"u8, wallNow - (now - entry.Time));
                    w.WriteBoolean("kept"u8, entry.Offset >= 0);
                });

                // The frame follows on its own line; a kept frame already ends with its line feed.
                if (entry.Offset >= 0)
                {
                    file.Write(_bytes.AsSpan(entry.Offset, entry.Length));
                }
                else
                {
                    file.WriteByte((byte)'\n');
                }
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Replaces this buffer's run, position and events with those <see cref="Save"/> wrote to <paramref name="path"/>,
    /// keeping only events still within the age limit; returns how many were loaded.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="FormatException">The file is not one that <see cref="Save"/> wrote.</exception>
    public int Load(string path)
    {
        var lines = File.ReadAllBytes(path).AsMemory();
        try
        {
            var header = JsonDocument.Parse(NextLine(ref lines)).RootElement;
            var run = header.GetProperty("run").GetString() ?? throw new FormatException("The replay file has no run.");
            var position = header.GetProperty("position").GetInt64();
            var count = header.GetProperty("count").GetInt32();
            var now = Environment.TickCount64;
            var wallNow = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            _count = 0;
            _oldest = 0;
            _write = 0;
            Position = position - count;
            for (var i = 0; i < count; i++)
            {
                var meta = JsonDocument.Parse(NextLine(ref lines)).RootElement;
                var frame = NextLine(ref lines, keepLineFeed: true);
                var time = now - (wallNow - meta.GetProperty("time").GetInt64());
                Append(
                    frame.Span,
                    meta.GetProperty("signal").GetString()!,
                    meta.GetProperty("namespace").GetString(),
                    meta.GetProperty("source").GetString()!,
                    meta.GetProperty("id").GetString() is { Length: > 0 } id ? EventId.Parse(id) : default,
                    meta.GetProperty("sender").GetString(),
                    time,
                    meta.GetProperty("kept").GetBoolean());
            }

            // Events past the age limit are dropped at the next append; dropping them here keeps the count honest.
            while (_count > 0 && now - _entries[_oldest].Time > _maxAgeMilliseconds)
            {
                EvictOldest();
            }

            Run = run;
            return _count;
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"The replay file '{path}' is not one that an EventBridge server wrote: {exception.Message}", exception);
        }
    }

    private static void WriteLine(FileStream file, Utf8JsonWriter writer, Action<Utf8JsonWriter> members)
    {
        writer.Reset(file);
        writer.WriteStartObject();
        members(writer);
        writer.WriteEndObject();
        writer.Flush();
        file.WriteByte((byte)'\n');
    }

    private static ReadOnlyMemory<byte> NextLine(ref Memory<byte> rest, bool keepLineFeed = false)
    {
        var end = rest.Span.IndexOf((byte)'\n');
        if (end < 0)
        {
            throw new FormatException("The replay file ends in the middle of an event.");
        }

        var line = rest[..(keepLineFeed ? end + 1 : end)];
        rest = rest[(end + 1)..];
        return line;
    }

    /// <summary>Returns the offset of <paramref name="length"/> free bytes, evicting the events that held them.</summary>
    private int Reserve(int length)
    {
        if (_write + length > _byteCapacity)
        {
            // The frame does not fit before the end, so it goes to the start. The events stored after the write
            // offset are the oldest ones, and they go first because their bytes would be cut off from the rest.
            while (_count > 0 && (_entries[_oldest].Offset < 0 || _entries[_oldest].Offset >= _write))
            {
                EvictOldest();
            }

            _write = 0;
        }

        // Kept frames lie one after another in order of age, so the frames just after the write offset are the oldest.
        // An oldest event without bytes is dropped on the way, since it would stop the loop before the frames behind it.
        while (_count > 0 && (_entries[_oldest].Offset < 0
            || (_entries[_oldest].Offset >= _write && _entries[_oldest].Offset < _write + length)))
        {
            EvictOldest();
        }

        var offset = _write;
        _write += length;
        return offset;
    }

    private void EvictOldest()
    {
        _entries[_oldest] = default;
        _oldest = (_oldest + 1) % _entries.Length;
        _count--;
    }

    /// <summary>One kept event: where its frame is (offset -1 when it was too large to keep) and what routing needs.</summary>
    private readonly record struct Entry(
        int Offset,
        int Length,
        long Time,
        string Signal,
        string? Namespace,
        string Source,
        EventId Id,
        string? Sender);
}
