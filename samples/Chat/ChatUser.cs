namespace EventBridge.Samples.Chat;

/// <summary>One chat participant: a bus, a bridge client, and a consumer that shows other people's messages.</summary>
public sealed partial class ChatUser : IAsyncDisposable
{
    public const string MessageSignal = "chat_message";
    public const string JoinSignal = "chat_join";
    public const string LeaveSignal = "chat_leave";
    public const string WhoSignal = "chat_who";
    public const string HereSignal = "chat_here";

    private readonly EventBridgeClient _client;
    private readonly IDisposable _subscription;
    private readonly Action<string> _display;
    private readonly List<string> _whoReplies = [];
    private int _received;

    public ChatUser(string name, string host, int port, Action<string> display)
    {
        Name = name;
        _display = display;
        Bus = new EventBus();
        _subscription = Bus.Subscribe(this);
        _client = new EventBridgeClient(Bus, new EventBridgeClientOptions { Host = host, Port = port, Name = name });
        _client.StateChanged += OnStateChanged;
    }

    public string Name { get; }

    public EventBus Bus { get; }

    /// <summary>The number of messages from other users that this user has received.</summary>
    public int Received => Volatile.Read(ref _received);

    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        await _client.ConnectAsync(cancellationToken);
        Bus.Emit(JoinSignal, new ChatPresence(Name));
    }

    /// <summary>
    /// Asks every online user to answer and collects the answers for <paramref name="wait"/>; a chat has no central
    /// list, so users who answer later are missed.
    /// </summary>
    public async Task<IReadOnlyList<string>> WhoAsync(TimeSpan wait)
    {
        lock (_whoReplies)
        {
            _whoReplies.Clear();
        }

        Bus.Emit(WhoSignal, new ChatPresence(Name));
        await Task.Delay(wait);
        lock (_whoReplies)
        {
            return [Name, .. _whoReplies.Distinct().Order(StringComparer.Ordinal)];
        }
    }

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

        // The server stamps each relayed event with the name its sender announced. The payload's user field is
        // whatever the sender wrote, so it is shown only when it differs from that name.
        var sender = context.Source?.Name ?? message.User;
        var label = string.Equals(sender, message.User, StringComparison.Ordinal) ? sender : $"{sender} (as '{message.User}')";
        _display($"{label}: {message.Text}");
    }

    [Consumer(JoinSignal)]
    private void OnJoin(ChatPresence presence, EventContext context)
    {
        if (context.IsRemote)
        {
            _display($"*** {presence.User} joined");
        }
    }

    [Consumer(LeaveSignal)]
    private void OnLeave(ChatPresence presence, EventContext context)
    {
        if (context.IsRemote)
        {
            _display($"*** {presence.User} left");
        }
    }

    [Consumer(WhoSignal)]
    private void OnWho(ChatPresence question, EventContext context)
    {
        // The answer uses another signal, so the bridge forwards it even though it reacts to a remote event.
        if (context.IsRemote)
        {
            Bus.Emit(HereSignal, new ChatWhoReply(Name, question.User));
        }
    }

    [Consumer(HereSignal)]
    private void OnHere(ChatWhoReply reply, EventContext context)
    {
        if (context.IsRemote && reply.To == Name)
        {
            lock (_whoReplies)
            {
                _whoReplies.Add(reply.User);
            }
        }
    }

    private void OnStateChanged(object? sender, EventBridgeClientStateChangedEventArgs change)
    {
        if (change.Current == EventBridgeClientState.Reconnecting)
        {
            _display("*** lost the connection to the server; reconnecting (messages you type are kept)");
        }
        else if (change.Current == EventBridgeClientState.Connected && change.Previous == EventBridgeClientState.Reconnecting)
        {
            _display("*** reconnected to the server");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            Bus.Emit(LeaveSignal, new ChatPresence(Name));
        }

        _subscription.Dispose();
        await _client.DisposeAsync();
    }
}
