using EventBridge.Transport;

namespace EventBridge.Tests.Bridge;

public sealed class EventIdWindowTests
{
    [Fact]
    public void SameIdInSameScope_Rejected()
    {
        var window = new EventIdWindow(8);
        var id = EventId.NewId();

        Assert.True(window.TryAdd("alice", id));
        Assert.False(window.TryAdd("alice", id));
    }

    [Fact]
    public void SameIdInOtherScope_Accepted()
    {
        var window = new EventIdWindow(8);
        var id = EventId.Parse("1");

        Assert.True(window.TryAdd("alice", id));
        Assert.True(window.TryAdd("bob", id));
        Assert.True(window.TryAdd(null, id));
        Assert.False(window.TryAdd(null, id));
        Assert.False(window.TryAdd("bob", id));
    }

    [Fact]
    public void EqualScopeFromOtherString_Rejected()
    {
        // A reconnected sender's name is a new string object with the same characters.
        var window = new EventIdWindow(8);
        var id = EventId.NewId();
        var first = new string("alice".AsSpan());
        var second = new string("alice".AsSpan());

        Assert.True(window.TryAdd(first, id));
        Assert.True(window.TryAdd("bob", EventId.NewId()));
        Assert.False(window.TryAdd(second, id));
    }

    [Fact]
    public void OldestId_ForgottenWhenFull()
    {
        var window = new EventIdWindow(3);
        var ids = Enumerable.Range(0, 4).Select(_ => EventId.NewId()).ToArray();
        foreach (var id in ids)
        {
            Assert.True(window.TryAdd("alice", id));
        }

        // The fourth id evicted the first; the other three are still remembered.
        Assert.False(window.TryAdd("alice", ids[3]));
        Assert.False(window.TryAdd("alice", ids[2]));
        Assert.False(window.TryAdd("alice", ids[1]));
        Assert.True(window.TryAdd("alice", ids[0]));
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 4)]
    [InlineData(3, 10)]
    [InlineData(7, 20)]
    [InlineData(64, 100)]
    [InlineData(1000, 3000)]
    public void ManyScopesAndIds_MatchReferenceQueue(int capacity, int distinctIds)
    {
        // Few distinct ids against a small window: most adds hit a duplicate or evict, and the index's runs wrap around
        // its end, which is where removing from an open-addressed index goes wrong.
        var window = new EventIdWindow(capacity);
        var expected = new Queue<(string, EventId)>();
        var random = new Random(capacity);
        for (var i = 0; i < 50_000; i++)
        {
            var scope = "sender-" + random.Next(5);
            var id = EventId.Parse(random.Next(distinctIds).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var known = expected.Contains((scope, id));
            Assert.Equal(!known, window.TryAdd(scope, id));
            if (!known)
            {
                expected.Enqueue((scope, id));
                if (expected.Count > capacity)
                {
                    expected.Dequeue();
                }
            }
        }
    }

    [Fact]
    public void ZeroCapacity_AcceptsEverything()
    {
        var window = new EventIdWindow(0);
        var id = EventId.NewId();

        Assert.True(window.TryAdd("alice", id));
        Assert.True(window.TryAdd("alice", id));
    }

    [Fact]
    public void EmptyId_NeverRemembered()
    {
        var window = new EventIdWindow(8);

        Assert.True(window.TryAdd("alice", default));
        Assert.True(window.TryAdd("alice", default));
    }
}
