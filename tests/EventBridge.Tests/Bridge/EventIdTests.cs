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
}
