namespace EventBridge;

/// <summary>The process that emitted an event: a bridge client's name and the address the server saw.</summary>
/// <param name="Name">The client name announced in the client's hello frame.</param>
/// <param name="Address">The remote endpoint of the client's connection, for example <c>127.0.0.1:51234</c>.</param>
public sealed record EventOrigin(string Name, string? Address);
