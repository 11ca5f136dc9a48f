using System.Buffers;
using System.Globalization;
using System.Text;
using CsCheck;
using EventBridge.Transport;

namespace EventBridge.Tests.Hardening;

/// <summary>
/// Property tests of the frame decoder and the line splitter. They run 10,000 cases each; set
/// <c>EVENTBRIDGE_FUZZ_ITERATIONS</c> (for example to 1000000) for a longer local run.
/// </summary>
/// <remarks>
/// The class runs alone, because its memory check reads the process-wide heap size, which tests running in parallel
/// would change.
/// </remarks>
[Collection(nameof(FrameFuzzTests))]
public sealed class FrameFuzzTests
{
    private static readonly long s_iterations = long.TryParse(
        Environment.GetEnvironmentVariable("EVENTBRIDGE_FUZZ_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
        ? n
        : 10_000;

    private static readonly byte[][] s_validFrames =
    [
        """{"signal":"chat","args":[1,"two",null],"kwargs":{"user":"Alice","text":"hi"}}"""u8.ToArray(),
        """{"type":"hello","name":"Alice","protocol":1,"token":"secret"}"""u8.ToArray(),
        """{"signal":"chat","namespace":"lobby","id":"9f2c54e0b7d14a3e0000000000000001","seq":7,"source":{"name":"b","address":null}}"""u8.ToArray(),
        """{"type":"error","code":"invalid_json","message":"bad","seq":3}"""u8.ToArray(),
        """{"type":"welcome","name":"A","address":"127.0.0.1:1","acks":true,"max_frame_bytes":1048576}"""u8.ToArray(),
        Encoding.UTF8.GetBytes("""{"signal":"ünïcödé","kwargs":{"text":"日本語 🎉 \u0000"}}"""),
    ];

    [Fact]
    public void RandomBytes_OnlyProtocolErrors()
    {
        Gen.Byte.Array[0, 256].Sample(ParseOrReject, iter: s_iterations);
    }

    [Fact]
    public void MutatedFrames_OnlyProtocolErrors()
    {
        var mutation = Gen.Select(
            Gen.Int[0, s_validFrames.Length - 1],
            Gen.Int[0, 2],
            Gen.Int[0, 4096],
            Gen.Byte);
        mutation.Sample(
            (frameIndex, kind, position, value) => ParseOrReject(Mutate(s_validFrames[frameIndex], kind, position, value)),
            iter: s_iterations);
    }

    [Fact]
    public void ValidFrames_ParseAtAnyDepthLimit()
    {
        foreach (var frame in s_validFrames)
        {
            var parsed = Frame.Parse(frame);
            Assert.True(parsed.Kind is FrameKind.Event or FrameKind.Hello or FrameKind.Error or FrameKind.Welcome);
        }

        var deep = Encoding.ASCII.GetBytes("""{"signal":"x","args":""" + new string('[', 70) + new string(']', 70) + "}");
        var error = Assert.Throws<ProtocolException>(() => Frame.Parse(deep, maxDepth: 64));
        Assert.Equal("invalid_json", error.Code);
        Assert.Equal(FrameKind.Event, Frame.Parse(deep, maxDepth: 128).Kind);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF }, 0)]
    [InlineData(new byte[] { 0xC3 }, 0)]
    [InlineData(new byte[] { 0xC3, 0xA9, 0xE2, 0x82 }, 2)]
    [InlineData(new byte[] { 0x61, 0xED, 0xA0, 0x80 }, 1)]
    public void InvalidUtf8_ErrorNamesTheOffset(byte[] bad, int offsetInString)
    {
        var prefix = Encoding.ASCII.GetBytes("{\"signal\":\"x\",\"kwargs\":{\"t\":\"");
        var frame = prefix.Concat(bad).Concat("\"}}"u8.ToArray()).ToArray();

        var error = Assert.Throws<ProtocolException>(() => Frame.Parse(frame));

        Assert.Equal("invalid_json", error.Code);
        Assert.Contains($"offset {prefix.Length + offsetInString} ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"signal":"x\ud800y"}""", "invalid_signal", "\"signal\"")]
    [InlineData("""{"signal":"x","namespace":"\udc00"}""", "invalid_frame", "\"namespace\"")]
    [InlineData("""{"signal":"x","source":{"name":"\ud800\ud800"}}""", "invalid_frame", "\"source.name\"")]
    [InlineData("""{"signal":"x","\ud800":1,"seq":1}""", "invalid_frame", "A member name")]
    [InlineData("""{"signal":"x","source":{"x\udfff":1}}""", "invalid_frame", "A member name")]
    [InlineData("""{"type":"hello","name":"h","\ud800":1}""", "invalid_frame", "A member name")]
    [InlineData("""{"type":"hello","name":"h","receive":["a","\ud800"]}""", "invalid_frame", "index 1 of \"receive\"")]
    [InlineData("""{"type":"hello","name":"h","resume":{"client":"c","run":"r","position":0,"id":"\ud800"}}""", "invalid_frame", "\"resume.id\"")]
    public void LoneSurrogateInRoutingMember_NamesTheMember(string json, string code, string member)
    {
        var error = Assert.Throws<ProtocolException>(() => Frame.Parse(Encoding.ASCII.GetBytes(json)));

        Assert.Equal(code, error.Code);
        Assert.Contains(member, error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid text", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"signal":"x","\ud800":1,"seq":7}""", null)]
    [InlineData("""{"signal":"x","seq":7,"\ud800":1}""", 7L)]
    public void SequenceBeforeFault_LoneSurrogateName_NoThrow(string json, long? expected)
    {
        Assert.Equal(expected, Frame.TryReadSequenceBeforeFault(Encoding.ASCII.GetBytes(json), maxDepth: 64));
    }

    [Fact]
    public void LineSplitter_SameLinesAtEverySplit()
    {
        var stream = Encoding.UTF8.GetBytes(
            "{\"signal\":\"a\"}\n\r\n{\"signal\":\"日本\"}\r\n\n{\"type\":\"ping\"}\n{\"signal\":\"tail\"");
        var expected = ReadLines(new ReadOnlySequence<byte>(stream));
        Assert.Equal(5, expected.Count);
        for (var first = 0; first <= stream.Length; first++)
        {
            for (var second = first; second <= stream.Length; second++)
            {
                var lines = ReadLines(Segments(stream, first, second));
                Assert.Equal(expected, lines);
            }
        }
    }

    [Fact]
    public void RandomStreams_LinesRejoinToInput()
    {
        var gen = Gen.Select(Gen.Byte.Array[0, 200], Gen.Int[0, 200], Gen.Int[0, 200]);
        gen.Sample(
            (bytes, a, b) =>
            {
                var first = Math.Min(a, bytes.Length);
                var second = Math.Clamp(b, first, bytes.Length);
                var lines = ReadLines(Segments(bytes, first, second));

                // Every line is free of line feeds, and there is one line per line feed in the input.
                Assert.All(lines, line => Assert.DoesNotContain((byte)'\n', line));
                Assert.Equal(bytes.Count(value => value == (byte)'\n'), lines.Count);
            },
            iter: s_iterations);
    }

    [Fact]
    public void Fuzzing_MemoryStaysBounded()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        Gen.Byte.Array[0, 1024].Sample(ParseOrReject, iter: s_iterations);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        // The decoder keeps nothing between frames, so the live heap grows by no more than noise.
        Assert.True(after - before < 8 * 1024 * 1024, $"The heap grew by {after - before} bytes.");
    }

    private static void ParseOrReject(byte[] bytes)
    {
        try
        {
            var frame = Frame.Parse(bytes);
            if (frame.Kind == FrameKind.Event)
            {
                Assert.NotNull(frame.Signal);
                Assert.InRange(frame.Args.End.Value, 0, bytes.Length);
                Assert.InRange(frame.Kwargs.End.Value, 0, bytes.Length);
            }
        }
        catch (ProtocolException exception)
        {
            Assert.False(string.IsNullOrEmpty(exception.Code));
        }
    }

    private static byte[] Mutate(byte[] frame, int kind, int position, byte value)
    {
        var index = position % (frame.Length + 1);
        return kind switch
        {
            0 when index < frame.Length => [.. frame[..index], value, .. frame[(index + 1)..]],
            1 => [.. frame[..index], value, .. frame[index..]],
            _ when index < frame.Length => [.. frame[..index], .. frame[(index + 1)..]],
            _ => frame,
        };
    }

    private static List<byte[]> ReadLines(ReadOnlySequence<byte> buffer)
    {
        var lines = new List<byte[]>();
        while (FrameLines.TryReadLine(ref buffer, out var line))
        {
            lines.Add(line.ToArray());
        }

        return lines;
    }

    /// <summary>Builds a sequence of three segments split at <paramref name="first"/> and <paramref name="second"/>.</summary>
    private static ReadOnlySequence<byte> Segments(byte[] bytes, int first, int second)
    {
        var head = new Segment(bytes.AsMemory(0, first), 0);
        var middle = head.Append(bytes.AsMemory(first, second - first));
        var tail = middle.Append(bytes.AsMemory(second));
        return new ReadOnlySequence<byte>(head, 0, tail, tail.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

/// <summary>Runs <see cref="FrameFuzzTests"/> after every other test, never beside one.</summary>
[CollectionDefinition(nameof(FrameFuzzTests), DisableParallelization = true)]
public sealed class FrameFuzzCollection
{
}
