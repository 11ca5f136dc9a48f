using System.Text;
using EventBridge.Transport;

namespace EventBridge.Tests.Bridge;

public sealed class ReplayBufferTests
{
    private static readonly TimeSpan LongWindow = TimeSpan.FromHours(1);

    [Fact]
    public void Replay_AfterPosition_SendsLaterInOrder()
    {
        var buffer = new ReplayBuffer(4096, 100, LongWindow);
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, Append(buffer, i));
        }

        var (frames, replayed, gap) = Replay(buffer, position: 2);

        Assert.Equal(["3", "4", "5"], frames);
        Assert.Equal(3, replayed);
        Assert.False(gap);
    }

    [Fact]
    public void Replay_UpToEnd_StopsThere()
    {
        var buffer = new ReplayBuffer(4096, 100, LongWindow);
        for (var i = 1; i <= 5; i++)
        {
            Append(buffer, i);
        }

        Assert.Equal(["2", "3"], Replay(buffer, position: 1, end: 3).Frames);
        Assert.Empty(Replay(buffer, position: 3, end: 3).Frames);
    }

    [Fact]
    public void Replay_SkipsOwnAndFiltered()
    {
        var buffer = new ReplayBuffer(4096, 100, LongWindow);
        Append(buffer, 1, sender: "me");
        Append(buffer, 2, sender: "other");
        Append(buffer, 3, signal: "secret");
        Append(buffer, 4);

        var (frames, _, gap) = Replay(buffer, position: 0, client: "me", filter: signal => signal != "secret");

        Assert.Equal(["2", "4"], frames);
        Assert.False(gap);
    }

    [Fact]
    public void Append_OverEventLimit_EvictsOldest()
    {
        var buffer = new ReplayBuffer(4096, 3, LongWindow);
        for (var i = 1; i <= 5; i++)
        {
            Append(buffer, i);
        }

        Assert.Equal(["3", "4", "5"], Replay(buffer, position: 0).Frames);
        Assert.True(Replay(buffer, position: 1).Gap);
        Assert.False(Replay(buffer, position: 2).Gap);
    }

    [Fact]
    public void Append_OverByteLimit_KeepsFramesWhole()
    {
        // Frames of 3 to 100 bytes in a 1,000-byte buffer wrap it many times.
        var buffer = new ReplayBuffer(1000, 10_000, LongWindow);
        var random = new Random(7);
        var lengths = new List<int>();
        for (var i = 1; i <= 2000; i++)
        {
            var length = random.Next(3, 100);
            lengths.Add(length);
            buffer.Append(Frame(i, length), "signal", null, "source", EventId.NewId(), sender: null);

            var kept = Replay(buffer, position: 0).Frames;
            Assert.NotEmpty(kept);
            Assert.Equal(i.ToString(), kept[^1].TrimEnd('.'));
            var first = i - kept.Count + 1;
            for (var k = 0; k < kept.Count; k++)
            {
                Assert.Equal(Encoding.ASCII.GetString(Frame(first + k, lengths[first + k - 1])), kept[k]);
            }

            Assert.True(kept.Sum(frame => frame.Length) <= 1000);
        }
    }

    [Fact]
    public void Append_LargeFrame_NotKeptReportsGap()
    {
        var buffer = new ReplayBuffer(800, 100, LongWindow);
        Append(buffer, 1);
        buffer.Append(new byte[101], "signal", null, "source", EventId.NewId(), sender: null);
        Append(buffer, 3);

        var (frames, replayed, gap) = Replay(buffer, position: 0);

        Assert.Equal(["1", "3"], frames);
        Assert.Equal(2, replayed);
        Assert.True(gap);
    }

    [Fact]
    public async Task Replay_ExpiredEvent_ReportsGap()
    {
        var buffer = new ReplayBuffer(4096, 100, TimeSpan.FromMilliseconds(50));
        Append(buffer, 1);
        await Task.Delay(200);
        Append(buffer, 2);

        var (frames, _, gap) = Replay(buffer, position: 0);

        Assert.Equal(["2"], frames);
        Assert.True(gap);
    }

    [Fact]
    public void Find_KeptEvent_MatchesSource()
    {
        var buffer = new ReplayBuffer(4096, 2, LongWindow);
        var first = EventId.NewId();
        var second = EventId.NewId();
        buffer.Append("a"u8, "signal", null, "alice", first, sender: null);
        buffer.Append("b"u8, "signal", null, "alice", second, sender: null);

        Assert.Equal(1, buffer.Find("alice", first));
        Assert.Equal(2, buffer.Find("alice", second));
        Assert.Null(buffer.Find("bob", second));

        buffer.Append("c"u8, "signal", null, "alice", EventId.NewId(), sender: null);
        Assert.Null(buffer.Find("alice", first));
    }

    [Fact]
    public void SaveThenLoad_ContinuesRun()
    {
        var path = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}.jsonl");
        try
        {
            var saved = new ReplayBuffer(4096, 3, LongWindow);
            var ids = new List<EventId>();
            for (var i = 1; i <= 5; i++)
            {
                var id = EventId.NewId();
                ids.Add(id);
                saved.Append(Encoding.ASCII.GetBytes($"{{\"n\":{i}}}\n"), "signal", i == 4 ? "ns" : null, "source", id, sender: i == 5 ? "me" : null);
            }

            saved.Save(path);
            var loaded = new ReplayBuffer(4096, 3, LongWindow);

            Assert.Equal(3, loaded.Load(path));
            Assert.Equal(saved.Run, loaded.Run);
            Assert.Equal(5, loaded.Position);
            Assert.Equal(4, loaded.Find("source", ids[3]));
            Assert.Equal(["{\"n\":3}\n", "{\"n\":4}\n"], Replay(loaded, position: 0, client: "me").Frames);
            Assert.True(Replay(loaded, position: 0).Gap);
            Assert.Equal(6, Append(loaded, 6));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_NotAReplayFile_ThrowsFormatException()
    {
        var path = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllText(path, "{\"run\":\"r\",\"position\":3,\"count\":2}\n{\"signal\":");

            Assert.Throws<FormatException>(() => new ReplayBuffer(4096, 3, LongWindow).Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Run_DiffersBetweenBuffers()
    {
        var runs = Enumerable.Range(0, 10).Select(_ => new ReplayBuffer(16, 1, LongWindow).Run).ToHashSet();

        Assert.Equal(10, runs.Count);
    }

    private static long Append(ReplayBuffer buffer, int number, string signal = "signal", string? sender = null) =>
        buffer.Append(Encoding.ASCII.GetBytes(number.ToString()), signal, null, "source", EventId.NewId(), sender);

    /// <summary>A frame of <paramref name="length"/> bytes: the number, padded with dots.</summary>
    private static byte[] Frame(int number, int length) =>
        Encoding.ASCII.GetBytes(number.ToString().PadRight(length, '.'));

    private static (List<string> Frames, int Replayed, bool Gap) Replay(
        ReplayBuffer buffer, long position, long? end = null, string? client = null, Func<string, bool>? filter = null)
    {
        var frames = new List<string>();
        var (replayed, gap) = buffer.Replay(
            position,
            end ?? long.MaxValue,
            client,
            frames,
            (_, signal, _) => filter?.Invoke(signal) ?? true,
            static (list, frame) => list.Add(Encoding.ASCII.GetString(frame)));
        return (frames, replayed, gap);
    }
}
