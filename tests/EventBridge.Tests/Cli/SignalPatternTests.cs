using EventBridge.Server;

namespace EventBridge.Tests.Cli;

public sealed class SignalPatternTests
{
    [Theory]
    [InlineData("chat.*", "chat.message", true)]
    [InlineData("chat.*", "chat.room.joined", true)]
    [InlineData("chat.*", "chat.", true)]
    [InlineData("chat.*", "chat", false)]
    [InlineData("chat.*", "other.chat.message", false)]
    [InlineData("*.joined", "chat.room.joined", true)]
    [InlineData("user_?", "user_1", true)]
    [InlineData("user_?", "user_12", false)]
    [InlineData("*", "anything", true)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b*c", "aXbYbZ", false)]
    [InlineData("exact", "exact", true)]
    [InlineData("exact", "Exact", false)]
    public void IsMatch_GlobPattern(string pattern, string signal, bool expected)
    {
        Assert.Equal(expected, new SignalPattern(pattern).IsMatch(signal));
    }

    [Fact]
    public void IsMatch_ManyStars_StaysFast()
    {
        // A backtracking matcher would take exponential time on this input; the greedy-star matcher is quadratic.
        var pattern = new SignalPattern(string.Concat(Enumerable.Repeat("a*", 30)) + "b");
        Assert.False(pattern.IsMatch(new string('a', 200)));
    }
}
