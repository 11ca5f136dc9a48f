using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EventBridge.Internal;

namespace EventBridge;

/// <summary>
/// A token that a client presents in its <c>hello</c> frame, with what the client may publish and receive.
/// </summary>
/// <param name="Name">A label that logs show in place of the token, which is never logged.</param>
/// <param name="Token">The secret the client sends.</param>
public sealed record EventBridgeToken(string Name, string Token)
{
    /// <summary>The events the client may publish. Default: every event.</summary>
    public SignalPermissions Publish { get; init; } = SignalPermissions.All;

    /// <summary>The events the client may receive. Default: every event.</summary>
    public SignalPermissions Receive { get; init; } = SignalPermissions.All;

    /// <summary>
    /// Reads tokens from a JSON file of the form
    /// <c>{"tokens":[{"name":"chat","token":"...","publish":{"allow":["chat_*"],"deny":[]},"receive":{"deny":["admin:*"]}}]}</c>.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="FormatException">
    /// The file is not in the expected form, lists no token, repeats a token, has a member that is unknown or of the
    /// wrong type, or has an invalid pattern (see <see cref="SignalPermissions"/>). The message names the entry. Such a file is rejected because it could be misread as "permit
    /// everything".
    /// </exception>
    public static IReadOnlyList<EventBridgeToken> LoadFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("tokens", out var entries)
                || entries.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"The token file '{path}' needs a \"tokens\" array.");
            }

            CheckMembers(document.RootElement, ["tokens"], $"The token file '{path}'");

            var tokens = new List<EventBridgeToken>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var entry in entries.EnumerateArray())
            {
                var name = RequiredString(entry, "name", path, index);
                var token = RequiredString(entry, "token", path, index);
                CheckMembers(entry, ["name", "token", "publish", "receive"], $"Entry {index} of the token file '{path}'");
                if (!names.Add(name))
                {
                    throw new FormatException(
                        $"Entry {index} of the token file '{path}' repeats the name '{name}'; logs name a client by its " +
                        "token's name, so each name must be unique.");
                }

                if (!seen.Add(token))
                {
                    throw new FormatException(
                        $"Entry {index} ('{name}') of the token file '{path}' repeats the token of an earlier entry; " +
                        "each client needs its own token, so that its permissions are the ones meant for it.");
                }

                tokens.Add(new EventBridgeToken(name, token)
                {
                    Publish = ReadPermissions(entry, "publish", path, index),
                    Receive = ReadPermissions(entry, "receive", path, index),
                });
                index++;
            }

            if (tokens.Count == 0)
            {
                throw new FormatException(
                    $"The token file '{path}' lists no tokens, so no client could connect; add at least one entry.");
            }

            return tokens;
        }
        catch (JsonException exception)
        {
            throw new FormatException($"The token file '{path}' is not valid JSON: {JsonErrorText.Describe(exception)}.", exception);
        }
        catch (InvalidOperationException exception)
        {
            throw new FormatException($"The token file '{path}' is not valid: {exception.Message}", exception);
        }
    }

    private static string RequiredString(JsonElement entry, string member, string path, int index)
    {
        if (entry.ValueKind != JsonValueKind.Object
            || !entry.TryGetProperty(member, out var value)
            || value.ValueKind != JsonValueKind.String
            || string.IsNullOrWhiteSpace(value.GetString()))
        {
            throw new FormatException(
                $"Entry {index} of the token file '{path}' needs a \"{member}\" string that is not empty or only whitespace.");
        }

        return value.GetString()!;
    }

    private static SignalPermissions ReadPermissions(JsonElement entry, string member, string path, int index)
    {
        if (!entry.TryGetProperty(member, out var value))
        {
            return SignalPermissions.All;
        }

        // Only an absent member permits everything: null is as likely a mistake as a wish, so it is rejected.
        var where = $"The \"{member}\" member of entry {index} of the token file '{path}'";
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where} must be an object such as {{\"allow\": [\"chat_*\"], \"deny\": []}}.");
        }

        CheckMembers(value, ["allow", "deny"], where);
        return new SignalPermissions(ReadPatterns(value, "allow", where), ReadPatterns(value, "deny", where));
    }

    /// <summary>
    /// Rejects a member this file format does not know: a misspelt <c>"alow"</c> or <c>"Publish"</c> would otherwise
    /// be ignored and leave the client with every permission.
    /// </summary>
    private static void CheckMembers(JsonElement value, string[] known, string where)
    {
        // JSON parsers keep one of two equal keys, so a repeated "deny" could silently lose its patterns.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw new FormatException($"{where} has the member \"{property.Name}\" twice; give it once.");
            }

            if (Array.IndexOf(known, property.Name) < 0)
            {
                throw new FormatException(
                    $"{where} has the unknown member \"{property.Name}\"; the known members are " +
                    string.Join(", ", known.Select(name => "\"" + name + "\"")) + ".");
            }
        }
    }

    private static string[]? ReadPatterns(JsonElement permissions, string member, string where)
    {
        if (!permissions.TryGetProperty(member, out var list))
        {
            return null;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{where} needs \"{member}\" to be a list of patterns, such as [\"chat_*\"].");
        }

        var patterns = new List<string>();
        foreach (var entry in list.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"{where} may contain only strings in its \"{member}\" list.");
            }

            // A pattern for the library's own signals would permit nothing in an allow list. In a deny list it is
            // harmless, because it denies only what never crosses a connection.
            var pattern = entry.GetString()!;
            if (SignalNames.ValidatePattern(pattern, allowReserved: member == "deny") is { } problem)
            {
                throw new FormatException(
                    $"{where} has the invalid pattern {PatternText.Quote(pattern)} at index {patterns.Count} of its " +
                    $"\"{member}\" list: {problem}.");
            }

            patterns.Add(pattern);
        }

        return [.. patterns];
    }
}

/// <summary>
/// Allow and deny patterns for events. A pattern is <c>signal</c>, which matches in every namespace, or
/// <c>namespace:signal</c>; <c>*</c> matches any run of characters, and the default namespace is written as an empty
/// namespace (<c>:signal</c>). An event is permitted when it matches an allow pattern (or the allow list is absent) and
/// no deny pattern: deny wins over allow.
/// </summary>
/// <remarks>
/// <see cref="EventBridgeToken.LoadFile"/>, and the <see cref="EventBridgeServer"/> constructor for the tokens in its
/// options, reject a pattern that could never match: an empty one, or one whose
/// namespace part or signal part is longer than 256 characters or contains whitespace or control characters, or whose
/// signal part is empty. It also rejects an allow pattern for the library's own signals (<c>eventbridge.*</c>), which
/// never cross a connection. A deny pattern for them is harmless, so it is accepted.
/// </remarks>
/// <param name="Allow">The patterns that permit; <see langword="null"/> permits every event that is not denied.</param>
/// <param name="Deny">The patterns that forbid, checked first.</param>
public sealed record SignalPermissions(IReadOnlyList<string>? Allow, IReadOnlyList<string>? Deny)
{
    /// <summary>Permits every event.</summary>
    public static SignalPermissions All { get; } = new(null, null);

    /// <summary>Returns whether an event on <paramref name="signal"/> in <paramref name="namespace"/> is permitted.</summary>
    public bool Permits(string signal, string? @namespace)
    {
        if (Deny is { } deny && MatchesAny(deny, signal, @namespace))
        {
            return false;
        }

        return Allow is not { } allow || MatchesAny(allow, signal, @namespace);
    }

    /// <summary>Whether one of <paramref name="patterns"/> matches; a loop, because the relay calls this for every event.</summary>
    private static bool MatchesAny(IReadOnlyList<string> patterns, string signal, string? @namespace)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            if (Matches(patterns[i], signal, @namespace))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(string pattern, string signal, string? @namespace)
    {
        var colon = pattern.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return Wildcard(pattern, signal);
        }

        return Wildcard(pattern.AsSpan(0, colon), @namespace ?? string.Empty) && Wildcard(pattern.AsSpan(colon + 1), signal);
    }

    /// <summary>Matches <paramref name="text"/> against a pattern whose <c>*</c> stands for any run of characters.</summary>
    private static bool Wildcard(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        // Greedy matching with one backtrack point: linear in practice and never exponential.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}

/// <summary>Compares presented tokens with the configured ones in time that does not depend on where they differ.</summary>
internal sealed class TokenAuthenticator
{
    private readonly (byte[] Hash, EventBridgeToken Grant)[] _tokens;

    public TokenAuthenticator(IEnumerable<EventBridgeToken> tokens)
    {
        _tokens = [.. tokens.Select(token => (Hash(token.Token), token))];
    }

    /// <summary>Returns the grant of <paramref name="presented"/>, or <see langword="null"/> when no token matches.</summary>
    public EventBridgeToken? Authenticate(string? presented)
    {
        // Hashing first gives equal-length inputs, so FixedTimeEquals leaks neither the position of the first
        // difference nor the configured token's length; every configured token is compared, without an early exit.
        var hash = Hash(presented ?? string.Empty);
        EventBridgeToken? match = null;
        foreach (var (expected, grant) in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, expected) && presented is not null)
            {
                match ??= grant;
            }
        }

        return match;
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
