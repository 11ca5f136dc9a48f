using System.Text;

namespace EventBridge.Tests.Bridge;

public sealed class EventIdTests
{
    [Fact]
    public async Task EmptyId_TreatedAsMissing()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var received = new EventRecorder(bob.Bus, "chat");
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "empty-id");

        await raw.SendAsync("""{"signal":"chat","id":"","kwargs":{"user":"a","text":"first"}}""" + "\n");
        await raw.SendAsync("""{"signal":"chat","id":"","kwargs":{"user":"a","text":"second"}}""" + "\n");

        var events = await received.WaitForCountAsync(2);
        Assert.Equal(["first", "second"], events.Select(e => e.GetPayload(TestPayloads.ChatLine).Text));
        Assert.Equal(2, server.ClientCount);
    }

    [Fact]
    public async Task SameId_FromOtherSender_StillRelayed()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var received = new EventRecorder(bob.Bus, "chat");
        await using var first = await RawClient.ConnectAsync(server.Port, hello: "first");
        await using var second = await RawClient.ConnectAsync(server.Port, hello: "second");

        await first.SendAsync("""{"signal":"chat","id":"1","kwargs":{"user":"first","text":"from first"}}""" + "\n");
        await received.WaitForCountAsync(1);
        await second.SendAsync("""{"signal":"chat","id":"1","kwargs":{"user":"second","text":"from second"}}""" + "\n");

        var events = await received.WaitForCountAsync(2);
        Assert.Equal(["from first", "from second"], events.Select(e => e.GetPayload(TestPayloads.ChatLine).Text));
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("00000000000000000000000000000001")]
    [InlineData("ffffffffffffffffffffffffffffffff")]
    public void CompactUtf8Id_ParsedLikeText(string text)
    {
        Assert.True(EventId.TryParseCompact(Encoding.UTF8.GetBytes(text), out var id));
        Assert.Equal(EventId.Parse(text), id);
        Assert.Equal(text.ToLowerInvariant(), id.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("00000000000000000000000000000000")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    [InlineData("0123456789abcdef0123456789abcdeg")]
    [InlineData(" 123456789abcdef0123456789abcdef")]
    [InlineData("+123456789abcdef0123456789abcdef")]
    [InlineData("0123456789abcdef-123456789abcdef")]
    public void OtherUtf8Id_LeftToTextParse(string text)
    {
        Assert.False(EventId.TryParseCompact(Encoding.UTF8.GetBytes(text), out var id));
        Assert.True(id.IsEmpty);
    }
}
