using System.Text.Json;
using EventBridge.Serialization;

namespace EventBridge.Tests.Bridge;

/// <summary>A chat line, the payload most bridge tests send.</summary>
public sealed record ChatLine(string User, string Text);

/// <summary>One numbered event of one sender, for order and loss checks.</summary>
public sealed record Numbered(string Sender, int N);

/// <summary>Hand-written serializers, registered once for the whole test assembly.</summary>
internal static class TestPayloads
{
    private static int s_registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) != 0)
        {
            return;
        }

        PayloadSerializers.Register(new ChatLineSerializer());
        PayloadSerializers.Register(new NumberedSerializer());
        PayloadSerializers.Register(new EventOriginSerializer());
    }

    public static readonly ChatLineSerializer ChatLine = new();
    public static readonly NumberedSerializer Numbered = new();

    public sealed class ChatLineSerializer : PayloadSerializer<ChatLine>
    {
        public override bool WritesObject => true;

        public override void Write(Utf8JsonWriter writer, ChatLine value)
        {
            writer.WriteStartObject();
            writer.WriteString("user", value.User);
            writer.WriteString("text", value.Text);
            writer.WriteEndObject();
        }

        public override ChatLine Read(ref Utf8JsonReader reader)
        {
            string? user = null, text = null;
            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "user":
                        user = reader.GetString();
                        break;
                    case "text":
                        text = reader.GetString();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            return new ChatLine(user ?? throw Missing("user"), text ?? throw Missing("text"));
        }
    }

    public sealed class NumberedSerializer : PayloadSerializer<Numbered>
    {
        public override bool WritesObject => true;

        public override void Write(Utf8JsonWriter writer, Numbered value)
        {
            writer.WriteStartObject();
            writer.WriteString("sender", value.Sender);
            writer.WriteNumber("n", value.N);
            writer.WriteEndObject();
        }

        public override Numbered Read(ref Utf8JsonReader reader)
        {
            string? sender = null;
            int? n = null;
            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "sender":
                        sender = reader.GetString();
                        break;
                    case "n":
                        n = reader.GetInt32();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            return new Numbered(sender ?? throw Missing("sender"), n ?? throw Missing("n"));
        }
    }

    public sealed class EventOriginSerializer : PayloadSerializer<EventOrigin>
    {
        public override bool WritesObject => true;

        public override void Write(Utf8JsonWriter writer, EventOrigin value)
        {
            writer.WriteStartObject();
            writer.WriteString("name", value.Name);
            writer.WriteString("address", value.Address);
            writer.WriteEndObject();
        }

        public override EventOrigin Read(ref Utf8JsonReader reader)
        {
            string? name = null, address = null;
            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var member = reader.GetString();
                reader.Read();
                if (member == "name")
                {
                    name = reader.GetString();
                }
                else if (member == "address")
                {
                    address = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }

            return new EventOrigin(name ?? throw Missing("name"), address);
        }
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token)
    {
        if (reader.TokenType != token)
        {
            throw new PayloadException($"Expected {token} but found {reader.TokenType}.");
        }
    }

    private static PayloadException Missing(string member) => new($"The member '{member}' is missing.", member);
}
