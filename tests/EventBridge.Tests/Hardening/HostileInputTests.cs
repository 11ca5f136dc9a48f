using System.Text;
using EventBridge.Tests.Bridge;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Hardening;

/// <summary>Each kind of bad input gets its documented treatment while a steady sender's events keep flowing.</summary>
public sealed class HostileInputTests
{
    private const int SteadyEvents = 200;

    public static TheoryData<string, string> Cases => new()
    {
        { "oversized", "frame_too_large" },
        { "never-ending", "frame_too_large" },
        { "deep-nesting", "invalid_json" },
        { "invalid-utf8", "invalid_json" },
        { "binary-garbage", "invalid_json" },
        { "args-not-array", "invalid_frame" },
        { "namespace-number", "invalid_frame" },
        { "seq-string", "invalid_frame" },
        { "hello-name-number", "invalid_frame" },
        { "source-string", "invalid_frame" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_RejectedOthersUnaffected(string kind, string expectedCode)
    {
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { MaxFrameBytes = 64 * 1024 });
        await using var bystander = await TestBridge.ConnectAsync(server, "bystander");
        using var atBystander = new EventRecorder(bystander.Bus, "steady");
        await using var steady = await TestBridge.ConnectAsync(server, "steady");
        await using var hostile = await RawClient.ConnectAsync(server.Port, hello: "hostile");
        await TestBridge.WaitForClientsAsync(server, 3);

        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < SteadyEvents; i++)
            {
                steady.Bus.Emit("steady", new Numbered("steady", i));
                await Task.Yield();
            }
        });

        await SendBadInputAsync(hostile, kind);
        var error = await hostile.ReadFrameAsync(frame => RawClient.Type(frame) == "error");
        Assert.Equal(expectedCode, error.GetProperty("code").GetString());

        await sending;
        var events = await atBystander.WaitForCountAsync(SteadyEvents);
        Assert.Equal(
            Enumerable.Range(0, SteadyEvents),
            events.Select(e => e.GetPayload(TestPayloads.Numbered).N));

        // The hostile connection survives its rejection, and nothing it sent was relayed.
        await hostile.SendAsync("""{"signal":"steady","kwargs":{"sender":"hostile","n":-1}}""" + "\n");
        await atBystander.WaitForCountAsync(SteadyEvents + 1);
        Assert.Equal(-1, atBystander.Events[^1].GetPayload(TestPayloads.Numbered).N);
        Assert.Equal(SteadyEvents + 1, atBystander.Count);
        Assert.Equal(3, server.ClientCount);
    }

    private static async Task SendBadInputAsync(RawClient hostile, string kind)
    {
        switch (kind)
        {
            case "oversized":
                await hostile.SendAsync("{\"signal\":\"steady\",\"kwargs\":{\"text\":\"" + new string('x', 200_000) + "\"}}\n");
                break;
            case "never-ending":
                // Megabytes without a line feed; the server discards them as they come, then the line feed ends the line.
                var chunk = Encoding.ASCII.GetBytes(new string('z', 256 * 1024));
                for (var i = 0; i < 16; i++)
                {
                    await hostile.SendAsync(chunk);
                }

                await hostile.SendAsync("\n");
                break;
            case "deep-nesting":
                await hostile.SendAsync($$"""{"signal":"steady","args":[{{new string('[', 100)}}{{new string(']', 100)}}]}""" + "\n");
                break;
            case "invalid-utf8":
                byte[] invalid = [0xC3, 0x28, 0xFF];
                await hostile.SendAsync([.. "{\"signal\":\"steady\",\"kwargs\":{\"sender\":\""u8, .. invalid, .. "\",\"n\":1}}\n"u8]);
                break;
            case "binary-garbage":
                var garbage = new byte[4096];
                new Random(42).NextBytes(garbage);
                for (var i = 0; i < garbage.Length; i++)
                {
                    garbage[i] = garbage[i] == (byte)'\n' ? (byte)0 : garbage[i];
                }

                await hostile.SendAsync([.. garbage, (byte)'\n']);
                break;
            case "args-not-array":
                await hostile.SendAsync("""{"signal":"steady","args":{"a":1}}""" + "\n");
                break;
            case "namespace-number":
                await hostile.SendAsync("""{"signal":"steady","namespace":5}""" + "\n");
                break;
            case "seq-string":
                await hostile.SendAsync("""{"signal":"steady","seq":"7"}""" + "\n");
                break;
            case "hello-name-number":
                await hostile.SendAsync("""{"type":"hello","name":7}""" + "\n");
                break;
            case "source-string":
                await hostile.SendAsync("""{"signal":"steady","source":"me"}""" + "\n");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown kind of bad input.");
        }
    }
}
