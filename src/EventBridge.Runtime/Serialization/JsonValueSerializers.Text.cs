using System.Globalization;
using System.Text.Json;

namespace EventBridge.Serialization;

public static partial class JsonValueSerializers
{
    private const string DateOnlyFormat = "yyyy-MM-dd";
    private const string TimeOnlyFormat = "HH:mm:ss.fffffff";

    private sealed class CharSerializer : PayloadSerializer<char>
    {
        public override void Write(Utf8JsonWriter writer, char value) =>
            writer.WriteStringValue(new ReadOnlySpan<char>(in value));

        public override char Read(ref Utf8JsonReader reader)
        {
            var text = ReadString(ref reader);
            return text.Length == 1 ? text[0] : throw PayloadJson.InvalidFormat(text, "Char", "a string of one character");
        }
    }

    private sealed class StringSerializer : PayloadSerializer<string>
    {
        public override void Write(Utf8JsonWriter writer, string value)
        {
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteStringValue(value);
            }
        }

        public override string Read(ref Utf8JsonReader reader) =>
            reader.TokenType == JsonTokenType.Null ? null! : ReadString(ref reader);
    }

    private sealed class DateTimeSerializer : PayloadSerializer<DateTime>
    {
        public override void Write(Utf8JsonWriter writer, DateTime value) => writer.WriteStringValue(value);

        public override DateTime Read(ref Utf8JsonReader reader)
        {
            var text = ReadString(ref reader);
            return reader.TryGetDateTime(out var value)
                ? value
                : throw PayloadJson.InvalidFormat(text, "DateTime", "an ISO 8601 date and time");
        }
    }

    private sealed class DateTimeOffsetSerializer : PayloadSerializer<DateTimeOffset>
    {
        public override void Write(Utf8JsonWriter writer, DateTimeOffset value) => writer.WriteStringValue(value);

        public override DateTimeOffset Read(ref Utf8JsonReader reader)
        {
            var text = ReadString(ref reader);
            return reader.TryGetDateTimeOffset(out var value)
                ? value
                : throw PayloadJson.InvalidFormat(text, "DateTimeOffset", "an ISO 8601 date and time");
        }
    }

    private sealed class DateOnlySerializer : PayloadSerializer<DateOnly>
    {
        public override void Write(Utf8JsonWriter writer, DateOnly value)
        {
            Span<char> buffer = stackalloc char[16];
            value.TryFormat(buffer, out var written, DateOnlyFormat, CultureInfo.InvariantCulture);
            writer.WriteStringValue(buffer[..written]);
        }

        public override DateOnly Read(ref Utf8JsonReader reader)
        {
            var text = ReadString(ref reader);
            return System.DateOnly.TryParseExact(text, DateOnlyFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
                ? value
                : throw PayloadJson.InvalidFormat(text, "DateOnly", "yyyy-MM-dd");
        }
    }

    private sealed class TimeOnlySerializer : PayloadSerializer<TimeOnly>
    {
        public override void Write(Utf8JsonWriter writer, TimeOnly value)
        {
            Span<char> buffer = stackalloc char[24];
            value.TryFormat(buffer, out var written, TimeOnlyFormat, CultureInfo.InvariantCulture);
            writer.WriteStringValue(buffer[..written]);
        }

        public override TimeOnly Read(ref Utf8JsonReader reader)
        {
            var text = ReadString(ref reader);
            return System.TimeOnly.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
                ? value
                : throw PayloadJson.InvalidFormat(text, "TimeOnly", "HH:mm:ss with optional fractional seconds");
        }
    }

    private sealed class TimeSpanSerializer : PayloadSerializer<TimeSpan>
    {
        public override void Write(Utf8JsonWriter writer, TimeSpan value)
        {
            Span<char> buffer = stackalloc char[32];
            value.TryFormat(buffer, out var written, "c", CultureInfo.InvariantCulture);
            writer.WriteStringValue(buffer[..written]);
        }

        public override TimeSpan Read(ref Utf8JsonReader reader)
        {
            var text = ReadString(ref reader);
            return System.TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var value)
                ? value
                : throw PayloadJson.InvalidFormat(text, "TimeSpan", "[-][d.]hh:mm:ss[.fffffff]");
        }
    }

    private sealed class GuidSerializer : PayloadSerializer<Guid>
    {
        public override void Write(Utf8JsonWriter writer, Guid value) => writer.WriteStringValue(value);

        public override Guid Read(ref Utf8JsonReader reader)
        {
            var text = ReadString(ref reader);
            return reader.TryGetGuid(out var value)
                ? value
                : throw PayloadJson.InvalidFormat(text, "Guid", "32 hex digits with hyphens");
        }
    }

    private sealed class UriSerializer : PayloadSerializer<Uri>
    {
        public override void Write(Utf8JsonWriter writer, Uri value)
        {
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteStringValue(value.OriginalString);
            }
        }

        public override Uri Read(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return null!;
            }

            var text = ReadString(ref reader);
            return System.Uri.TryCreate(text, UriKind.RelativeOrAbsolute, out var value)
                ? value
                : throw PayloadJson.InvalidFormat(text, "Uri", "an absolute or relative URI");
        }
    }

    private sealed class ByteArraySerializer : PayloadSerializer<byte[]>
    {
        public override void Write(Utf8JsonWriter writer, byte[] value)
        {
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteBase64StringValue(value);
            }
        }

        public override byte[] Read(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return null!;
            }

            var text = ReadString(ref reader);
            return reader.TryGetBytesFromBase64(out var value)
                ? value
                : throw PayloadJson.InvalidFormat(text, "byte array", "a base64 string");
        }
    }
}
