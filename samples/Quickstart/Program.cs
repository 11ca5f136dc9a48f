using EventBridge;
using EventBridge.Samples.Quickstart;

// An independent bus; EventBus.Default is the process-wide one.
var bus = new EventBus();

// A consumer that throws never stops the others: the bus logs the failure and raises ConsumerFailed.
bus.ConsumerFailed += (_, failure) =>
    Console.WriteLine($"  failed: {failure.ConsumerName} on '{failure.Message.Signal}': {failure.Exception.Message}");

// Middleware runs before the consumers for every event, and may pass it on, replace it or drop it.
using var trace = bus.Use(message =>
{
    Console.WriteLine($"[{message}]");
    return message;
});
using var moderation = bus.Use(message =>
    message.TryGetPayload(out ChatMessage? chat) && chat is not null && chat.Text.Contains("spam", StringComparison.OrdinalIgnoreCase)
        ? null
        : message);

using var statics = bus.AddGeneratedConsumers();
var lobby = new ChatRoom("lobby");
var subscription = bus.Subscribe(lobby);

bus.Emit("user_joined", new UserJoined("Alice"));
bus.Emit("chat_message", "lobby", new ChatMessage("Alice", "Hello, lobby!"));
bus.Emit("chat_message", new ChatMessage("Bob", "Hello, anyone?"));
bus.Emit("chat_message", "lobby", new ChatMessage("Mallory", "Cheap spam here"));
Console.WriteLine("  (the moderation middleware dropped Mallory's message)");
await bus.EmitAsync("order_placed", new OrderPlaced(1, 3));
await bus.EmitAsync("order_placed", new OrderPlaced(2, 0));

subscription.Dispose();
bus.Emit("chat_message", "lobby", new ChatMessage("Alice", "Is anyone still here?"));
Console.WriteLine("  (nobody: the lobby unsubscribed)");
