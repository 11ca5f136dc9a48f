using System.Text.Json.Serialization;
using EventBridge;

namespace Chat;

public sealed class Message
{
    [JsonConstructor]
    public Message(string text, string author)
    {
        Text = text;
        Author = author;
    }

    public Message(string text)
        : this(text, "anonymous")
    {
    }

    [JsonPropertyName("body")]
    public string Text { get; }

    public string Author { get; }

    [JsonIgnore]
    public string Preview => Text.Length > 10 ? Text[..10] : Text;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Room { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Priority { get; set; }

    public int Length => Text.Length;
}

public static class MessageConsumers
{
    [Consumer("message")]
    public static void OnMessage(Message message)
    {
    }
}
