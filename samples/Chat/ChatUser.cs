namespace EventBridge.Samples.Chat;

/// <summary>One chat participant: a bus, a bridge client, and a consumer that shows other people's messages.</summary>
public sealed partial class ChatUser : IAsyncDisposable
{
    public const string MessageSignal = "chat_message";

    private readonly EventBridgeClient _client;
    private readonly IDisposable _subscription;
    private readonly Action<string> _display;
    private int _received;

    public ChatUser(string name, string host, int port, Action<string> display)
    {
        Name = name;
        _display = display;
        Bus = new EventBus();
        _subscription = Bus.Subscribe(this);
        _client = new EventBridgeClient(Bus, new EventBridgeClientOptions { Host = host, Port = port, Name = name });
    }

    public string Name { get; }

    public EventBus Bus { get; }

    /// <summary>The number of messages from other users that this user has received.</summary>
    public int Received => Volatile.Read(ref _received);

    public Task ConnectAsync(CancellationToken cancellationToken = default) => _client.ConnectAsync(cancellationToken);

    public void Say(string text) => Bus.Emit(MessageSignal, new ChatMessage(Name, text));

    [Consumer(MessageSignal)]
    private void OnMessage(ChatMessage message, EventContext context)
    {
        // Our own messages also reach this consumer, locally; the server never sends them back.
        if (!context.IsRemote)
        {
            return;
        }

        Interlocked.Increment(ref _received);
        _display($"{message.User}: {message.Text}");
    }

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await _client.DisposeAsync();
    }
}
