using EventBridge;

namespace EventBridge.Samples.Quickstart;

public sealed record UserJoined(string Name);

public sealed record ChatMessage(string User, string Text);

public sealed record OrderPlaced(int Id, int Quantity);

/// <summary>Static consumers, which <c>bus.AddGeneratedConsumers()</c> registers.</summary>
public static partial class Audit
{
    [Consumer("user_joined")]
    public static void OnUserJoined(UserJoined joined, EventContext context) =>
        Console.WriteLine($"  audit: {joined.Name} joined (signal '{context.Signal}', remote: {context.IsRemote})");

    // No namespace: this consumer receives chat messages of the default namespace only.
    [Consumer("chat_message")]
    public static void OnChatMessage(ChatMessage message) =>
        Console.WriteLine($"  audit: {message.User} said \"{message.Text}\" outside any room");

    [Consumer("order_placed")]
    public static void OnOrderPlaced(OrderPlaced order)
    {
        if (order.Quantity <= 0)
        {
            throw new InvalidOperationException($"Order {order.Id} has quantity {order.Quantity}; it must be positive.");
        }

        Console.WriteLine($"  audit: order {order.Id} for {order.Quantity} item(s)");
    }
}

/// <summary>Instance consumers, which <c>bus.Subscribe(room)</c> registers for one object.</summary>
public sealed partial class ChatRoom(string name)
{
    [Consumer("chat_message", Namespace = "lobby")]
    public void OnMessage(ChatMessage message) => Console.WriteLine($"  #{name}: {message.User}: {message.Text}");

    [Consumer("order_placed")]
    public async Task OnOrderPlacedAsync(OrderPlaced order, CancellationToken cancellationToken)
    {
        // An asynchronous consumer: EmitAsync waits for it, Emit does not.
        await Task.Delay(10, cancellationToken);
        Console.WriteLine($"  #{name}: thanks for order {order.Id}");
    }
}
