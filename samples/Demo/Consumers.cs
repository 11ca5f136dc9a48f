namespace EventBridge.Samples.Demo;

/// <summary>A chat line, the payload of most demo events.</summary>
public sealed record ChatMessage(string User, string Text);

/// <summary>The consumers of one demo participant; the generator wires them through <see cref="EventBus.Subscribe"/>.</summary>
public sealed partial class Inbox(string owner, Transcript transcript)
{
    [Consumer("chat_message")]
    public void OnChat(ChatMessage message, EventContext context) => transcript.Add(owner, context, message);

    [Consumer("chat_message", Namespace = "lobby")]
    public void OnLobbyChat(ChatMessage message, EventContext context) => transcript.Add(owner, context, message);

    [Consumer("shout")]
    public void OnShout(ChatMessage message, EventContext context) => transcript.Add(owner, context, message);

    [Consumer("secret")]
    public void OnSecret(ChatMessage message, EventContext context) => transcript.Add(owner, context, message);

    [Consumer("public.news")]
    public void OnNews(ChatMessage message, EventContext context) => transcript.Add(owner, context, message);

    [Consumer("private.diary")]
    public void OnDiary(ChatMessage message, EventContext context) => transcript.Add(owner, context, message);

    [Consumer("marker")]
    public void OnMarker(ChatMessage message, EventContext context) => transcript.Add(owner, context, message);
}

/// <summary>A consumer that re-emits every remote echo on the same signal, to show loop prevention.</summary>
public sealed partial class Echoer(string owner, Transcript transcript)
{
    [Consumer("echo")]
    public void OnEcho(ChatMessage message, EventContext context)
    {
        transcript.Add(owner, context, message);
        if (context.IsRemote)
        {
            context.Bus.Emit("echo", message with { Text = message.Text + " (echoed by " + owner + ")" });
        }
    }
}

/// <summary>A static consumer, registered with the generated <c>AddGeneratedConsumers</c>.</summary>
public static partial class Greeter
{
    public static Transcript? Transcript { get; set; }

    [Consumer("greeting")]
    public static void OnGreeting(ChatMessage message, EventContext context) => Transcript?.Add("greeter", context, message);
}
