namespace EventBridge.Samples.Chat;

/// <summary>One line of chat. On the wire: <c>{"signal":"chat_message","kwargs":{"user":"Alice","text":"Hi"}}</c>.</summary>
public sealed record ChatMessage(string User, string Text);
