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

    [Fact]
    public void ManyScopesAndIds_MatchReferenceSet()
    {
        const int capacity = 64;
        var window = new EventIdWindow(capacity);
        var expected = new Queue<(string, EventId)>();
        var random = new Random(7);
        for (var i = 0; i < 5_000; i++)
        {
            var scope = "sender-" + random.Next(5);
            var id = EventId.Parse(random.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture));
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
