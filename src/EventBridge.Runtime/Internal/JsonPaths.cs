using System.Text;
using System.Text.Json;

namespace EventBridge;

/// <summary>Finds the member of a JSON document at a byte offset, to name it in payload errors.</summary>
internal static class JsonPaths
{
    /// <summary>
    /// Returns the path of the token that starts at <paramref name="tokenStart"/>, for example <c>address.zip</c> or
    /// <c>items[2]</c>, or <see langword="null"/> for the root value. For malformed JSON it returns the path of the
    /// last token that could be read before <paramref name="tokenStart"/>.
    /// </summary>
    public static string? Locate(ReadOnlySpan<byte> json, long tokenStart)
    {
        var frames = new List<Frame>();
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read() && reader.TokenStartIndex <= tokenStart)
            {
                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    frames.RemoveAt(frames.Count - 1);
                    continue;
                }

                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    frames[^1] = frames[^1] with { Name = reader.GetString() };
                    continue;
                }

                if (frames.Count > 0 && frames[^1].IsArray)
                {
                    frames[^1] = frames[^1] with { Index = frames[^1].Index + 1 };
                }

                if (reader.TokenStartIndex == tokenStart)
                {
                    break;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    frames.Add(new Frame(reader.TokenType == JsonTokenType.StartArray, null, -1));
                }
            }
        }
        catch (JsonException)
        {
            // The document ends in malformed JSON: the path read so far is the best answer.
        }

        return Format(frames);
    }

    private static string? Format(List<Frame> frames)
    {
        var path = new StringBuilder();
        foreach (var frame in frames)
        {
            if (frame.IsArray && frame.Index >= 0)
            {
                path.Append('[').Append(frame.Index).Append(']');
            }
            else if (!frame.IsArray && frame.Name is not null)
            {
                if (path.Length > 0)
                {
                    path.Append('.');
                }

                path.Append(frame.Name);
            }
        }

        return path.Length == 0 ? null : path.ToString();
    }

    /// <summary>One open object or array: the member name or element index that the reader is inside.</summary>
    private readonly record struct Frame(bool IsArray, string? Name, int Index);
}
