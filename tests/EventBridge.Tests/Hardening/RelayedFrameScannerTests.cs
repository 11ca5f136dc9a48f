using System.Globalization;
using System.Text;
using CsCheck;
using EventBridge.Transport;

namespace EventBridge.Tests.Hardening;

/// <summary>
/// The short paths for event frames must read every frame they accept exactly as the full parser does, and defer every
/// frame they do not expect to it by returning a frame without a signal. The checked path, which the server runs on
/// every frame a client sends, must in addition never accept a frame that the parser rejects.
/// </summary>
public sealed class RelayedFrameScannerTests
{
    private static readonly long s_iterations = long.TryParse(
        Environment.GetEnvironmentVariable("EVENTBRIDGE_FUZZ_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
        ? n
        : 10_000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RandomEventFrames_ReadLikeParser(bool checkSyntax)
    {
        Gen.Int.Sample(
            seed =>
            {
                var json = Encoding.UTF8.GetBytes(RandomEventFrame(new Random(seed)));
                var scanned = checkSyntax ? RelayedFrameScanner.ScanChecked(json, 64) : RelayedFrameScanner.Scan(json, 64);
                Assert.True(scanned.Signal is not null, Encoding.UTF8.GetString(json));
                AssertSame(Frame.Parse(json), scanned, json);
            },
            iter: s_iterations);
    }

    [Fact]
    public void MutatedFrames_ReadLikeParserOrDeferred()
    {
        Gen.Select(Gen.Int, Gen.Int[0, 4096], Gen.Byte).Sample(
            (seed, position, value) =>
            {
                var json = Encoding.UTF8.GetBytes(RandomEventFrame(new Random(seed)));
                json[position % json.Length] = value;
                var scanned = RelayedFrameScanner.Scan(json, 64);
                if (scanned.Signal is null)
                {
                    return;
                }

                Frame parsed;
                try
                {
                    parsed = Frame.Parse(json);
                }
                catch (ProtocolException)
                {
                    // The scanner does not check payloads or encodings, which the server checked before relaying.
                    return;
                }

                AssertSame(parsed, scanned, json);
            },
            iter: s_iterations);
    }

    [Fact]
    public void WriterFrameWithRelayPrefix_Scanned()
    {
        var message = EventMessage.Create("order_placed", 12.5, "orders");
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        FrameWriter.WriteEvent(output, message, source: new EventOrigin("shop", "127.0.0.1:5"), seq: 42);
        var json = output.WrittenSpan[..^1].ToArray();

        var scanned = RelayedFrameScanner.Scan(json, 64);
        Assert.Equal("order_placed", scanned.Signal);
        Assert.Equal("orders", scanned.Namespace);
        Assert.Equal(message.Id, scanned.Id);
        Assert.Equal("shop", scanned.SourceName);
        Assert.Equal(42, scanned.Seq);
        AssertSame(Frame.Parse(json), scanned, json);
    }

    [Theory]
    [InlineData("""{"type":"ack","seq":3}""")]
    [InlineData("""{"type":"welcome","name":"a","address":"127.0.0.1:1","acks":true}""")]
    [InlineData("""{"signal":"a","signal":"b","args":[],"kwargs":{}}""")]
    [InlineData("""{"signal":"a\u0062","args":[],"kwargs":{}}""")]
    [InlineData("""{"signal":null,"args":[],"kwargs":{}}""")]
    [InlineData("""{"args":[],"kwargs":{}}""")]
    [InlineData("""{"signal":"a","args":{},"kwargs":{}}""")]
    [InlineData("""{"signal":"a","kwargs":[]}""")]
    [InlineData("""{"signal":"a","seq":1.5}""")]
    [InlineData("""{"signal":"a","seq":-1}""")]
    [InlineData("""{"signal":"a","name":"x"}""")]
    [InlineData("""{"signal":"a"} {}""")]
    [InlineData("""{"signal":"a","args":[[[[1]]]]}""")]
    [InlineData("""{"signal":"a","kwargs":{"text":"unterminated}}""")]
    [InlineData("""[]""")]
    [InlineData("""{}""")]
    public void UnexpectedFrame_Deferred(string text)
    {
        // A depth limit of 4 puts the fourth nested array within one level of the limit.
        Assert.Null(RelayedFrameScanner.Scan(Encoding.UTF8.GetBytes(text), 4).Signal);
    }

    [Fact]
    public void StringsWithBracketsAndEscapes_SkippedWhole()
    {
        var json = Encoding.UTF8.GetBytes(
            """{"signal":"chat","args":["]","\"}",{"a":"\\"}],"kwargs":{"t":"{[\"","u":"\u00e9"},"id":null}""");

        var scanned = RelayedFrameScanner.Scan(json, 64);
        AssertSame(Frame.Parse(json), scanned, json);
        Assert.False(scanned.HasId);
    }

    [Fact]
    public void MutatedFrames_CheckedAgreesWithParser()
    {
        long accepted = 0, deferred = 0;
        Gen.Select(Gen.Int, Gen.Int[1, 4]).Sample(
            (seed, mutations) =>
            {
                var random = new Random(seed);
                var json = Encoding.UTF8.GetBytes(RandomEventFrame(random)).ToList();
                for (var i = 0; i < mutations; i++)
                {
                    Mutate(random, json);
                }

                if (AssertCheckedAgreesWithParser(json.ToArray(), 64))
                {
                    Interlocked.Increment(ref accepted);
                }
                else
                {
                    Interlocked.Increment(ref deferred);
                }
            },
            iter: s_iterations);

        // Both outcomes must be common, or the comparison above tested little.
        Assert.True(accepted > s_iterations / 20, $"{accepted} accepted");
        Assert.True(deferred > s_iterations / 20, $"{deferred} deferred");
    }

    [Fact]
    public void RandomTokenPayloads_CheckedAgreesWithParser()
    {
        // Payloads put together from JSON's tokens at random, so that most are invalid in some small way: a trailing
        // comma, a missing colon, a bracket of the wrong kind, a number or escape cut short.
        string[] tokens =
        [
            "{", "}", "[", "]", ",", ":", " ", "\"k\"", "\"\"", "\"a\\\"b\"", "\"\\u00e9\"", "\"\\ud800\"", "\"\\x\"",
            "\"\\u12g4\"", "\"\t\"", "0", "12", "-", "-0", "01", "1.", ".5", "1.5", "1e5", "1E+", "2e-3", "true", "false",
            "null", "nul", "tru", "\"", "\\",
        ];
        long accepted = 0;
        Gen.Select(Gen.Int, Gen.Int[1, 12], Gen.Int[1, 8]).Sample(
            (seed, count, depth) =>
            {
                var random = new Random(seed);
                var payload = string.Concat(Enumerable.Range(0, count).Select(_ => tokens[random.Next(tokens.Length)]));
                var open = random.Next(2) == 0 ? "{" : "[";
                var close = open == "{" ? "}" : "]";
                var json = Encoding.UTF8.GetBytes(
                    $$"""{"signal":"s","{{(open == "{" ? "kwargs" : "args")}}":{{open}}{{payload}}{{close}},"seq":1}""");
                if (AssertCheckedAgreesWithParser(json, depth + 1))
                {
                    Interlocked.Increment(ref accepted);
                }
            },
            iter: s_iterations);

        Assert.True(accepted > 0, "no payload was accepted");
    }

    [Theory]
    [InlineData("""{"signal":"a","kwargs":{"t":"\x"}}""")]
    [InlineData("""{"signal":"a","kwargs":{"t":"\u12g4"}}""")]
    [InlineData("""{"signal":"a","kwargs":{"t":"\u12"}}""")]
    [InlineData("""{"signal":"a","args":[01]}""")]
    [InlineData("""{"signal":"a","args":[1.]}""")]
    [InlineData("""{"signal":"a","args":[.5]}""")]
    [InlineData("""{"signal":"a","args":[-]}""")]
    [InlineData("""{"signal":"a","args":[+1]}""")]
    [InlineData("""{"signal":"a","args":[1e]}""")]
    [InlineData("""{"signal":"a","args":[tru]}""")]
    [InlineData("""{"signal":"a","args":[True]}""")]
    [InlineData("""{"signal":"a","args":[1,]}""")]
    [InlineData("""{"signal":"a","args":[,1]}""")]
    [InlineData("""{"signal":"a","args":[1 2]}""")]
    [InlineData("""{"signal":"a","args":[1}""")]
    [InlineData("""{"signal":"a","kwargs":{"k":1,}}""")]
    [InlineData("""{"signal":"a","kwargs":{"k" 1}}""")]
    [InlineData("""{"signal":"a","kwargs":{k:1}}""")]
    [InlineData("""{"signal":"a","kwargs":{"k":1]}""")]
    [InlineData("""{"signal":"a","kwargs":{"k":[1}]}""")]
    [InlineData("""{"signal":"a","kwargs":{"k":1}""")]
    [InlineData("""{"signal":"a","time":01}""")]
    [InlineData("""{"signal":"a","time":nul}""")]
    [InlineData("""{"signal":"a","x":"\q"}""")]
    [InlineData("""{"signal":"a","seq":01}""")]
    [InlineData("""{"signal":"a","seq":+1}""")]
    [InlineData("""{"signal":"a","seq":1e2}""")]
    [InlineData("""{"signal":"a","seq":99999999999999999999}""")]
    [InlineData("""{"signal":"a","source":{"name":"b","x":[}}""")]
    [InlineData("""{"signal":"a","args":[]} x""")]
    [InlineData("""{"signal":"a","args":[]/* c */}""")]
    public void InvalidFrame_CheckedDeferred(string text)
    {
        var json = Encoding.UTF8.GetBytes(text);
        Assert.Null(RelayedFrameScanner.ScanChecked(json, 64).Signal);
        Assert.Throws<ProtocolException>(() => Frame.Parse(json));
    }

    [Fact]
    public void ControlCharacter_CheckedDeferred()
    {
        foreach (var text in new[] { "{\"signal\":\"a\",\"kwargs\":{\"t\":\"tab\there\"}}", "{\"signal\":\"a\",\"args\":[\"a long string before a line\nbreak\"]}", "{\"signal\":\"a\u0001\"}", "{\"signal\":\"a\",\"namespace\":\"n\n\"}", "{\"sig\tnal\":\"a\"}" })
        {
            var json = Encoding.UTF8.GetBytes(text);
            Assert.Null(RelayedFrameScanner.ScanChecked(json, 64).Signal);
            Assert.Throws<ProtocolException>(() => Frame.Parse(json));
        }
    }

    [Fact]
    public void InvalidUtf8Payload_CheckedDeferred()
    {
        var json = Encoding.UTF8.GetBytes("""{"signal":"a","kwargs":{"t":"xx"}}""");
        json[^4] = 0xC3;
        Assert.Null(RelayedFrameScanner.ScanChecked(json, 64).Signal);
        Assert.Throws<ProtocolException>(() => Frame.Parse(json));
    }

    [Fact]
    public void DeepPayload_CheckedDeferred()
    {
        // The parser accepts 70 nested arrays under a limit of 100, but the checked path tracks only 64 levels.
        var json = Encoding.UTF8.GetBytes("{\"signal\":\"a\",\"args\":" + new string('[', 70) + new string(']', 70) + "}");
        Assert.Null(RelayedFrameScanner.ScanChecked(json, 100).Signal);
        Assert.Equal("a", Frame.Parse(json, 100).Signal);

        var shallow = Encoding.UTF8.GetBytes("{\"signal\":\"a\",\"args\":" + new string('[', 60) + new string(']', 60) + "}");
        AssertSame(Frame.Parse(shallow, 100), RelayedFrameScanner.ScanChecked(shallow, 100), shallow);
    }

    [Theory]
    [InlineData("""{"signal":"a","kwargs":{"t":"\"\\\/\b\f\n\r\t\u00E9x","e":[]}}""")]
    [InlineData("""{"signal":"a","args":[-0,0.5,-1.25e+10,3E-2,true,false,null,[],{}],"seq":-0}""")]
    [InlineData(""" { "signal" : "a" , "args" : [ 1 , { "k" : [ ] } ] , "time" : 1 } """)]
    [InlineData("""{"signal":"a","kwargs":{"a long key that needs the vectorized search":"and a long value that needs it too \u0041"}}""")]
    public void ValidFrame_CheckedReadLikeParser(string text)
    {
        var json = Encoding.UTF8.GetBytes(text);
        var scanned = RelayedFrameScanner.ScanChecked(json, 64);
        Assert.NotNull(scanned.Signal);
        AssertSame(Frame.Parse(json), scanned, json);
    }

    /// <summary>
    /// Checks that the checked scanner either defers <paramref name="json"/> or reads it as the parser does, and
    /// returns whether it read it.
    /// </summary>
    private static bool AssertCheckedAgreesWithParser(byte[] json, int maxDepth)
    {
        var scanned = RelayedFrameScanner.ScanChecked(json, maxDepth);
        if (scanned.Signal is null)
        {
            return false;
        }

        Frame parsed;
        try
        {
            parsed = Frame.Parse(json, maxDepth);
        }
        catch (ProtocolException exception)
        {
            Assert.Fail($"The checked scanner accepted a frame the parser rejects ({exception.Message}): {Encoding.UTF8.GetString(json)}");
            throw;
        }

        AssertSame(parsed, scanned, json);
        return true;
    }

    /// <summary>Replaces, inserts or removes one byte, mostly one that matters to JSON's syntax.</summary>
    private static void Mutate(Random random, List<byte> json)
    {
        const string syntax = "{}[],:\"\\ \t0123456789-+.eEtrufalsnxu/";
        var value = random.Next(4) == 0 ? (byte)random.Next(256) : (byte)syntax[random.Next(syntax.Length)];
        var position = random.Next(json.Count);
        switch (random.Next(3))
        {
            case 0:
                json[position] = value;
                break;
            case 1:
                json.Insert(position, value);
                break;
            default:
                json.RemoveAt(position);
                break;
        }
    }

    private static void AssertSame(Frame parsed, Frame scanned, byte[] json)
    {
        var text = Encoding.UTF8.GetString(json);
        Assert.True(parsed.Kind == scanned.Kind, text);
        Assert.True(parsed.Signal == scanned.Signal, text);
        Assert.True(parsed.Namespace == scanned.Namespace, text);
        Assert.True(parsed.Id == scanned.Id, text);
        Assert.True(parsed.HasId == scanned.HasId, text);
        Assert.True(parsed.SourceName == scanned.SourceName, text);
        Assert.True(parsed.SourceAddress == scanned.SourceAddress, text);
        Assert.True(parsed.HasSource == scanned.HasSource, text);
        Assert.True(parsed.Seq == scanned.Seq, text);
        Assert.True(parsed.Args.Equals(scanned.Args), text);
        Assert.True(parsed.Kwargs.Equals(scanned.Kwargs), text);
    }

    /// <summary>An event frame with its members in random order, random whitespace and random payload values.</summary>
    private static string RandomEventFrame(Random random)
    {
        var members = new List<string> { Member(random, "signal", Quote(RandomName(random))) };
        if (random.Next(4) > 0)
        {
            members.Add(Member(random, "args", random.Next(8) == 0 ? "null" : RandomArray(random, 2)));
        }

        if (random.Next(4) > 0)
        {
            members.Add(Member(random, "kwargs", random.Next(8) == 0 ? "null" : RandomObject(random, 2)));
        }

        if (random.Next(2) == 0)
        {
            members.Add(Member(random, "namespace", random.Next(4) == 0 ? "null" : Quote(random.Next(4) == 0 ? "" : RandomName(random))));
        }

        if (random.Next(4) > 0)
        {
            var id = random.Next(4) switch
            {
                0 => "null",
                1 => Quote(""),
                2 => Quote("msg-" + random.Next(1000)),
                _ => Quote(Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64())) + "00000000000000" + random.Next(10, 99)),
            };
            members.Add(Member(random, "id", id));
        }

        if (random.Next(2) == 0)
        {
            var source = random.Next(4) == 0
                ? "null"
                : "{" + Gap(random) + Quote("name") + ":" + Gap(random) + Quote(RandomName(random)) + "," + Gap(random)
                    + Quote("address") + ":" + (random.Next(2) == 0 ? "null" : Quote("127.0.0.1:" + random.Next(65536)))
                    + (random.Next(4) == 0 ? ",\"extra\":" + RandomValue(random, 1) : "") + "}";
            members.Add(Member(random, "source", source));
        }

        if (random.Next(2) == 0)
        {
            members.Add(Member(random, "seq", random.Next(4) == 0 ? "null" : random.NextInt64(0, long.MaxValue).ToString(CultureInfo.InvariantCulture)));
        }

        if (random.Next(2) == 0)
        {
            members.Add(Member(random, "time", random.NextInt64().ToString(CultureInfo.InvariantCulture)));
        }

        if (random.Next(4) == 0)
        {
            members.Add(Member(random, "type", Quote("event")));
        }

        if (random.Next(4) == 0)
        {
            members.Add(Member(random, "x_" + RandomName(random), RandomValue(random, 2)));
        }

        var shuffled = members.OrderBy(_ => random.Next()).ToList();
        return Gap(random) + "{" + Gap(random) + string.Join("," + Gap(random), shuffled) + Gap(random) + "}" + Gap(random);
    }

    private static string Member(Random random, string name, string value) =>
        Quote(name) + Gap(random) + ":" + Gap(random) + value + Gap(random);

    private static string Gap(Random random) => random.Next(4) switch
    {
        0 => " ",
        1 => "\t\r\n ",
        _ => "",
    };

    private static string RandomName(Random random) =>
        new(Enumerable.Range(0, random.Next(1, 12)).Select(_ => (char)('a' + random.Next(26))).ToArray());

    private static string RandomValue(Random random, int depth) => random.Next(depth > 0 ? 9 : 6) switch
    {
        0 => "null",
        1 => random.Next(2) == 0 ? "true" : "false",
        2 => (random.NextDouble() * 1e6 - 5e5).ToString("R", CultureInfo.InvariantCulture),
        3 => random.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture),
        4 or 5 => RandomString(random),
        6 or 7 => RandomArray(random, depth - 1),
        _ => RandomObject(random, depth - 1),
    };

    private static string RandomArray(Random random, int depth) =>
        "[" + Gap(random) + string.Join("," + Gap(random), Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth))) + Gap(random) + "]";

    private static string RandomObject(Random random, int depth) =>
        "{" + Gap(random) + string.Join(
            "," + Gap(random),
            Enumerable.Range(0, random.Next(4)).Select(i => Quote(RandomName(random) + i) + ":" + Gap(random) + RandomValue(random, depth)))
        + Gap(random) + "}";

    /// <summary>A JSON string with the characters that trip a bracket matcher: brackets, quotes, backslashes, escapes.</summary>
    private static string RandomString(Random random)
    {
        string[] pieces = ["a", "]", "}", "[", "{", "\\\"", "\\\\", "\\n", "\\u00e9", "é", "日本", ",", ":"];
        return "\"" + string.Concat(Enumerable.Range(0, random.Next(6)).Select(_ => pieces[random.Next(pieces.Length)])) + "\"";
    }

    private static string Quote(string text) => "\"" + text + "\"";
}
