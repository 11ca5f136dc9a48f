namespace EventBridge.Samples.Chat;

/// <summary>A user joining, leaving, or asking who is online: <c>{"signal":"chat_join","kwargs":{"user":"Alice"}}</c>.</summary>
public sealed record ChatPresence(string User);

/// <summary>One user's answer to a <c>/who</c> question, addressed to the user who asked.</summary>
public sealed record ChatWhoReply(string User, string To);
