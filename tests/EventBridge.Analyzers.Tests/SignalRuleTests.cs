namespace EventBridge.Analyzers.Tests;

/// <summary>EB1004 on consumed and emitted signal names, and the library signals that consumers may use.</summary>
public class SignalRuleTests
{
    private const string Prelude = """
        using System.Threading.Tasks;
        using EventBridge;

        namespace App;

        public sealed record Ok(string Text);

        """;

    private static readonly string s_tooLong = new('a', SignalNamesLimit + 1);

    // The runtime's limit (src/Shared/SignalNames.cs), which the analyzers compile in too.
    private const int SignalNamesLimit = 256;

    [Fact]
    public async Task InvalidSignal_Consumer_ReportsSignalArgument()
    {
        await AnalyzerAsync(
            Prelude + $$"""
            public static class C
            {
                [Consumer({|#0:""|})]
                public static void Empty(Ok ok) { }

                [Consumer({|#1:"a b"|})]
                public static void Space(Ok ok) { }

                [Consumer({|#2:"tab\there"|})]
                public static void Tab(Ok ok) { }

                [Consumer({|#3:"bell\u0007"|})]
                public static void Control(Ok ok) { }

                [Consumer({|#4:null!|})]
                public static void Null(Ok ok) { }

                [Consumer({|#5:"{{s_tooLong}}"|})]
                public static void TooLong(Ok ok) { }

                [Consumer({|#6:"eventbridge.internal"|})]
                public static void Reserved(Ok ok) { }

                [Consumer("ok")]
                [Consumer({|#7:" "|}, Namespace = "crm")]
                public static void OneOfTwo(Ok ok) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(0)
                .WithMessage("Signal name \"\" is invalid: a signal name must not be empty"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(1)
                .WithMessage("Signal name \"a b\" is invalid: a signal name must not contain whitespace or control characters"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(2)
                .WithArguments("\"tab\\there\"", "a signal name must not contain whitespace or control characters"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(3)
                .WithArguments("\"bell\\a\"", "a signal name must not contain whitespace or control characters"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(4)
                .WithArguments("null", "a signal name must not be empty"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(5)
                .WithMessage($"Signal name \"{new string('a', 64)}\"... (257 characters) is invalid: a signal name must be at most 256 characters long, but it has 257"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(6)
                .WithMessage("Signal name \"eventbridge.internal\" is invalid: it starts with the reserved prefix 'eventbridge.' but is not one of the library's own signals in EventBridgeSignals (they are 'eventbridge.client_connected', 'eventbridge.client_disconnected'), so nothing ever emits it; choose a name without the prefix"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(7)
                .WithArguments("\" \"", "a signal name must not contain whitespace or control characters"));
    }

    [Fact]
    public async Task LibrarySignals_MayBeConsumed()
    {
        var longest = new string('a', SignalNamesLimit);
        await AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [Consumer(EventBridgeSignals.ClientConnected)]
                public static void OnConnected(EventOrigin origin) { }

                [Consumer("eventbridge.client_disconnected")]
                public static void OnDisconnected(EventContext context) { }

                [Consumer("{{longest}}")]
                public static void Longest(Ok ok) { }

                [Consumer("chat.message/v2")]
                public static void Punctuation(Ok ok) { }
            }
            """);
    }

    [Fact]
    public async Task InvalidSignal_Emit_ReportsConstantSignals()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C
            {
                public static async Task Send(EventBus bus, string name)
                {
                    bus.Emit({|#0:""|}, new Ok("x"));
                    bus.Emit({|#1:EventBridgeSignals.ClientConnected|}, new Ok("x"));
                    bus.Emit({|#2:"a b"|});
                    await bus.EmitAsync({|#3:"eventbridge.mine"|}, "crm", new Ok("x"));
                    _ = EventMessage.Create({|#4:"\n"|}, 1);
                    bus.Emit({|#5:"EventBridge.Mine"|}, new Ok("x"));

                    // Names known only at run time are checked by the bus.
                    bus.Emit(name, new Ok("x"));
                    bus.Emit("fine", new Ok("x"));
                }
            }
            """,
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(0).WithArguments("\"\"", "a signal name must not be empty"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(1)
                .WithMessage("Signal name \"eventbridge.client_connected\" is invalid: signals that start with 'eventbridge.' in any letter case are emitted only by EventBridge itself, and the bus rejects them; choose a name without the prefix"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(2)
                .WithArguments("\"a b\"", "a signal name must not contain whitespace or control characters"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(3)
                .WithArguments("\"eventbridge.mine\"", "signals that start with 'eventbridge.' in any letter case are emitted only by EventBridge itself, and the bus rejects them; choose a name without the prefix"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(4)
                .WithArguments("\"\\n\"", "a signal name must not contain whitespace or control characters"),
            Diagnostic(DiagnosticDescriptors.InvalidSignal).WithLocation(5)
                .WithArguments("\"EventBridge.Mine\"", "signals that start with 'eventbridge.' in any letter case are emitted only by EventBridge itself, and the bus rejects them; choose a name without the prefix"));
    }
}
