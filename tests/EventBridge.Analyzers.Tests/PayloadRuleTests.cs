namespace EventBridge.Analyzers.Tests;

/// <summary>
/// EB1001 (consumer payloads), EB1002 (emitted payloads) and EB1011 (lost members): every unsupported shape, deep
/// member paths, types from metadata, and the shapes and <c>[JsonIgnore]</c> members that must stay silent.
/// </summary>
public class PayloadRuleTests
{
    private const string Prelude = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Text.Json.Serialization;
        using System.Threading.Tasks;
        using EventBridge;

        namespace App;

        """;

    private const string IgnoreHint = "; or mark the member [JsonIgnore] to leave it out of the payload";

    /// <summary>One unsupported member type per case, each inside a record that a consumer receives.</summary>
    public static TheoryData<string, string, string> UnsupportedMembers() => new()
    {
        { "Action", "Callback", "delegates are code, not data, and cannot be serialized; send the data that the receiver needs" },
        { "Stream", "Callback", "a stream is a connection to data in this process, not a value; read it and send the bytes as byte[]" },
        { "MemoryStream", "Callback", "a stream is a connection to data in this process, not a value; read it and send the bytes as byte[]" },
        { "nint", "Callback", "native-sized integers (nint, IntPtr) usually hold handles or addresses that mean nothing in another process; use a fixed-size integer type such as long" },
        { "Microsoft.Win32.SafeHandles.SafeFileHandle", "Callback", "operating-system handles are valid only in the process that opened them; send the data that the handle gives access to" },
        { "System.Threading.WaitHandle", "Callback", "operating-system handles are valid only in the process that opened them; send the data that the handle gives access to" },
        { "object", "Callback", "'object' has no fixed shape; use a concrete type" },
        { "dynamic", "Callback", "'dynamic' has no fixed shape; use a concrete type" },
        { "IShape", "Callback", "interfaces other than the standard collection interfaces cannot be serialized; use a concrete class" },
        { "Shape", "Callback", "abstract types cannot be created when reading; use a concrete type" },
        { "NoConstructor", "Callback", "it has no public constructor; add one or mark an internal one [JsonConstructor]" },
        { "Dictionary<Key, string>", "Callback", "dictionaries need string keys, because JSON object keys are strings" },
        { "(int A, int B)", "Callback", "tuples have no member names in JSON; use a record" },
        { "int[,]", "Callback", "multi-dimensional arrays are not supported; use an array of arrays" },
        { "ReadOnlyMemory<byte>", "Callback", "this framework type is not one of the supported built-in types (see the EB1001 section of docs/diagnostics.md); use a supported type or your own record" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedMembers))]
    public async Task UnserializablePayload_DeepMember_ReportsPathOnParameter(string memberType, string memberName, string reason)
    {
        var source = Prelude + $$"""
            public interface IShape { }
            public abstract class Shape { }
            public sealed class NoConstructor { private NoConstructor() { } }
            public sealed record Key(int Id);
            public sealed record Customer(string Name, {{memberType}} {|#1:{{memberName}}|});
            public sealed record Order(int Id, List<Customer> Customers);

            public static class C
            {
                [Consumer("order")]
                public static void OnOrder(Order {|#0:order|}) { }
            }
            """;

        // Any member type that appears inside Customer ends the path at Customer's property.
        var path = "Order.Customers[]." + memberName;
        await AnalyzerAsync(
            source,
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(0).WithLocation(1)
                .WithMessage($"Consumer 'App.C.OnOrder' is not wired, because its parameter 'order' of type 'App.Order' cannot be serialized: at '{path}', {reason}{IgnoreHint}"));
    }

    [Fact]
    public async Task UnserializablePayload_RootTypes_ReportWithoutIgnoreHint()
    {
        await AnalyzerAsync(
            Prelude + """
            public static unsafe partial class C
            {
                [Consumer("a")]
                public static void A(Span<byte> {|#0:data|}) { }

                [Consumer("b")]
                public static void B(object {|#1:value|}) { }

                [Consumer("c")]
                public static void D(int* {|#2:pointer|}) { }

                [Consumer("d")]
                public static void E(Func<int> {|#3:factory|}) { }

                public sealed partial class Generic<T>
                {
                    [Consumer("e")]
                    public void F(T {|#4:value|}) { }
                }
            }
            """,
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(0)
                .WithMessage("Consumer 'App.C.A' is not wired, because its parameter 'data' of type 'System.Span<byte>' cannot be serialized: at 'Span<byte>', ref struct types such as Span<T> live on the stack and cannot be stored in a payload; use an array or List<T>"),
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(1)
                .WithArguments("App.C.B", "value", "object", "object", "'object' has no fixed shape; use a concrete type", ""),
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(2)
                .WithArguments("App.C.D", "pointer", "int*", "int*", "pointers are addresses in one process and cannot be serialized; send the value they point to", ""),
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(3)
                .WithArguments("App.C.E", "factory", "System.Func<int>", "Func<int>", "delegates are code, not data, and cannot be serialized; send the data that the receiver needs", ""),
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(4)
                .WithArguments("App.C.Generic<T>.F", "value", "T", "T", "it is a generic type parameter, and serializers are generated for concrete types only", ""));
    }

    [Fact]
    public async Task UnserializablePayload_SimpleParameters_NamesParameter()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C
            {
                [Consumer("simple")]
                public static void Simple(string a, Stream {|#0:s|}, int b) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(0)
                .WithMessage("Consumer 'App.C.Simple' is not wired, because its parameter 's' of type 'System.IO.Stream' cannot be serialized: at 'Stream', a stream is a connection to data in this process, not a value; read it and send the bytes as byte[]"));
    }

    [Fact]
    public async Task GenericConsumer_TypeParameterPayload_ReportsOnlyEB1007()
    {
        await AnalyzerAsync(
            Prelude + """
            public sealed record Wrapper<T>(T Value);

            public static class C
            {
                [Consumer("generic")]
                public static void {|#0:Generic|}<T>(T value) { }

                [Consumer("nested")]
                public static void {|#1:Nested|}<T>(List<T> values, Wrapper<T[]> wrapper, int count) { }

                [Consumer("mixed")]
                public static void {|#2:Mixed|}<T>(T value, Action {|#3:callback|}) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.GenericConsumer).WithLocation(0).WithArguments("App.C.Generic"),
            Diagnostic(DiagnosticDescriptors.GenericConsumer).WithLocation(1).WithArguments("App.C.Nested"),
            Diagnostic(DiagnosticDescriptors.GenericConsumer).WithLocation(2).WithArguments("App.C.Mixed"),
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(3)
                .WithArguments("App.C.Mixed", "callback", "System.Action", "Action", "delegates are code, not data, and cannot be serialized; send the data that the receiver needs", ""));
    }

    [Fact]
    public async Task UnserializablePayload_TypeFromMetadata_ReportsOnParameter()
    {
        var library = TestCompilation.CreateLibrary("Contracts", """
            namespace Contracts;

            public sealed record Customer(string Name, System.Action Callback);

            public sealed record Order(int Id, Customer Customer);
            """);

        await AnalyzerAsync(
            [Prelude + """
            public static class C
            {
                [Consumer("order")]
                public static void OnOrder(Contracts.Order {|#0:order|}) { }
            }
            """],
            [library],
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(0)
                .WithArguments(
                    "App.C.OnOrder",
                    "order",
                    "Contracts.Order",
                    "Order.Customer.Callback",
                    "delegates are code, not data, and cannot be serialized; send the data that the receiver needs",
                    IgnoreHint));
    }

    [Fact]
    public async Task UnserializablePayload_MemberInSource_HasMemberAsAdditionalLocation()
    {
        await AnalyzerAsync(
            Prelude + """
            public sealed class Customer
            {
                public string Name { get; set; } = "";

                public Action? {|#1:Callback|} { get; set; }
            }

            public static class C
            {
                [Consumer("x")]
                public static void OnCustomer(Customer {|#0:customer|}) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(0).WithLocation(1)
                .WithArguments("App.C.OnCustomer", "customer", "App.Customer", "Customer.Callback", "delegates are code, not data, and cannot be serialized; send the data that the receiver needs", IgnoreHint));
    }

    [Fact]
    public async Task SupportedShapes_ReportNothing()
    {
        await AnalyzerAsync(Prelude + """
            public enum Status { Open, Closed }

            [Flags]
            public enum Options { None = 0, Fast = 1, Safe = 2 }

            public sealed record Address(string Street, int? Zip);

            public sealed record Node(string Name, Node? Next, List<Node> Children);

            public sealed class Mutable
            {
                public int Count { get; set; }

                public required string Name { get; init; }

                public int Doubled => Count * 2;
            }

            public readonly record struct Point(double X, double Y);

            public sealed record Everything(
                bool Flag, char Letter, sbyte S8, byte U8, short S16, ushort U16, int S32, uint U32, long S64, ulong U64,
                Int128 S128, UInt128 U128, Half H, float F, double D, decimal M, string Text, DateTime When,
                DateTimeOffset WhenOffset, DateOnly Day, TimeOnly Time, TimeSpan Span, Guid Id, Uri Link, byte[] Bytes,
                Status State, Options Flags, Address Home, Address? Work, Point Position, int[] Numbers, int[][] Grid,
                List<string> Tags, HashSet<int> Set, IEnumerable<Address> Sequence, IReadOnlyList<int> ReadOnly,
                IList<int> ListInterface, ICollection<int> CollectionInterface, IReadOnlyCollection<int> ReadOnlyCollection,
                ISet<int> SetInterface, IReadOnlySet<int> ReadOnlySet, Dictionary<string, Address> ByName,
                IDictionary<string, int> DictionaryInterface, IReadOnlyDictionary<string, List<int>> Nested, Node Tree,
                Mutable Settings);

            public static class C
            {
                [Consumer("everything")]
                public static void OnEverything(Everything everything) { }

                [Consumer("values")]
                public static void OnValues(string user, int attempts, Status status, List<Address> addresses, Guid? id = null) { }

                public static void Send(EventBus bus, Everything everything)
                {
                    bus.Emit("everything", everything);
                    bus.Emit("count", 3);
                    bus.Emit("nothing");
                }
            }
            """);
    }

    [Fact]
    public async Task EventMember_IsSkippedSilently()
    {
        await AnalyzerAsync(Prelude + """
            public sealed class Document
            {
                public string Title { get; set; } = "";

                public event EventHandler? Changed;

                public event Action<int> Resized { add { } remove { } }

                public void Touch() => Changed?.Invoke(this, EventArgs.Empty);
            }

            public static class C
            {
                [Consumer("document")]
                public static void OnDocument(Document document) { }

                public static void Send(EventBus bus) => bus.Emit("document", new Document());
            }
            """);
    }

    [Fact]
    public async Task JsonIgnore_ExemptsMembersFromEveryPayloadRule()
    {
        await AnalyzerAsync(Prelude + """
            public sealed class Customer
            {
                public string Name { get; set; } = "";

                [JsonIgnore]
                public Action? Callback { get; set; }

                [JsonIgnore]
                public object? Tag { get; set; }

                [JsonIgnore]
                public Stream? Body { get; set; }

                [JsonIgnore]
                public int Computed { get; }

                [JsonIgnore]
                private int _cache;

                public int Cached() => _cache++;
            }

            public static class C
            {
                [Consumer("x")]
                public static void OnCustomer(Customer customer) { }

                public static void Send(EventBus bus) => bus.Emit("x", new Customer());
            }
            """);
    }

    [Fact]
    public async Task PositionalJsonIgnore_ExplainsConstructorParameter()
    {
        await AnalyzerAsync(
            Prelude + """
            public sealed record Job(string Name, [property: JsonIgnore] Action? Callback);

            public static class C
            {
                [Consumer("job")]
                public static void OnJob(Job {|#0:job|}) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(0)
                .WithMessage("Consumer 'App.C.OnJob' is not wired, because its parameter 'job' of type 'App.Job' cannot be serialized: at 'Job', constructor parameter 'Callback' sets the [JsonIgnore] property of the same name, so reading cannot supply it; move that member out of the positional parameter list and declare it as a property with [JsonIgnore]"));
    }

    [Fact]
    public async Task RequiredMember_ReadingCannotSet_ReportsType()
    {
        await AnalyzerAsync(
            Prelude + """
            public sealed class Reading
            {
                public required int Value;

                public string Unit { get; set; } = "";
            }

            public class Base
            {
                public required int Version;
            }

            public sealed class Derived : Base
            {
                public int Count { get; set; }
            }

            internal sealed class InternalSetter
            {
                public required int Count { get; internal set; }
            }

            internal sealed class InternalProperty
            {
                internal required int Count { get; set; }

                public int Other { get; set; }
            }

            public sealed class Ignored
            {
                [JsonIgnore]
                public required int Count { get; set; }

                public int Other { get; set; }
            }

            public sealed record Envelope(Reading {|#7:Reading|});

            internal static class C
            {
                [Consumer("a")]
                public static void A(Reading {|#0:reading|}) { }

                [Consumer("b")]
                public static void B(Derived {|#1:derived|}) { }

                [Consumer("c")]
                public static void D(InternalSetter {|#2:value|}) { }

                [Consumer("d")]
                public static void E(InternalProperty {|#3:value|}) { }

                [Consumer("e")]
                public static void F(Ignored {|#4:value|}) { }

                [Consumer("f")]
                public static void G(Envelope {|#5:envelope|}) { }

                public static void Send(EventBus bus) => bus.Emit("a", {|#6:new Reading { Value = 1 }|});
            }
            """,
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(0)
                .WithMessage("Consumer 'App.C.A' is not wired, because its parameter 'reading' of type 'App.Reading' cannot be serialized: at 'Reading', required field 'Value' is never set by reading, because fields are not serialized; make it a property with a public setter or init accessor"),
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(1)
                .WithArguments("App.C.B", "derived", "App.Derived", "Derived", "required field 'Version' is never set by reading, because fields are not serialized; make it a property with a public setter or init accessor", ""),
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(2)
                .WithArguments("App.C.D", "value", "App.InternalSetter", "InternalSetter", RequiredNotSettable("Count"), ""),
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(3)
                .WithArguments("App.C.E", "value", "App.InternalProperty", "InternalProperty", RequiredNotSettable("Count"), ""),
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(4)
                .WithArguments("App.C.F", "value", "App.Ignored", "Ignored", "required property 'Count' is marked [JsonIgnore], so reading never sets it; remove [JsonIgnore] or the 'required' modifier", ""),
            Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(5).WithLocation(7)
                .WithArguments("App.C.G", "envelope", "App.Envelope", "Envelope.Reading", "required field 'Value' is never set by reading, because fields are not serialized; make it a property with a public setter or init accessor", IgnoreHint),
            Diagnostic(DiagnosticDescriptors.UnserializableEmitPayload).WithLocation(6)
                .WithArguments("App.Reading", "Reading", "required field 'Value' is never set by reading, because fields are not serialized; make it a property with a public setter or init accessor", ""));
    }

    [Fact]
    public async Task RequiredMember_SetByReading_ReportsNothing()
    {
        await AnalyzerAsync(Prelude + """
            public sealed class FromConstructor
            {
                public FromConstructor(string id) => Id = id;

                public required string Id { get; init; }
            }

            public sealed class SetsEverything
            {
                [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
                public SetsEverything(int count) => Count = count;

                public required int Count { get; init; }

                [JsonIgnore]
                public required int Local { get; set; }
            }

            public sealed class Settable
            {
                public required string Name { get; set; }

                public required int Count { get; init; }
            }

            public static class C
            {
                [Consumer("a")]
                public static void A(FromConstructor value) { }

                [Consumer("b")]
                public static void B(SetsEverything value) { }

                [Consumer("c")]
                public static void D(Settable value) { }
            }
            """);
    }

    private static string RequiredNotSettable(string name) =>
        $"required property '{name}' cannot be set by reading, which sets only public properties with a public getter and a public setter or init accessor; make its accessors public, or remove the 'required' modifier";

    [Fact]
    public async Task UnserializableEmitPayload_ReportsOnArgument()
    {
        await AnalyzerAsync(
            Prelude + """
            public sealed record Job(string Name, Func<Task> {|#5:Run|});

            file sealed record Secret(int A);

            public static class C
            {
                public static async Task Send(EventBus bus, EventMessage message, Job job)
                {
                    bus.Emit("job", {|#0:job|});
                    bus.Emit("job", "tenant", {|#1:new object()|});
                    await bus.EmitAsync("job", {|#2:job|});
                    _ = EventMessage.Create("job", {|#3:job|});
                    _ = message.WithPayload({|#4:job|});
                    bus.Emit("secret", {|#6:new Secret(1)|});
                }

                // The payload type is known only where this method is called with a real type.
                public static void Forward<T>(EventBus bus, T payload) => bus.Emit("job", payload);
            }
            """,
            Diagnostic(DiagnosticDescriptors.UnserializableEmitPayload).WithLocation(0).WithLocation(5)
                .WithMessage("Payload type 'App.Job' cannot be serialized, so this event cannot leave the process: at 'Job.Run', delegates are code, not data, and cannot be serialized; send the data that the receiver needs" + IgnoreHint),
            Diagnostic(DiagnosticDescriptors.UnserializableEmitPayload).WithLocation(1)
                .WithArguments("object", "object", "'object' has no fixed shape; use a concrete type", ""),
            Diagnostic(DiagnosticDescriptors.UnserializableEmitPayload).WithLocation(2).WithLocation(5)
                .WithArguments("App.Job", "Job.Run", "delegates are code, not data, and cannot be serialized; send the data that the receiver needs", IgnoreHint),
            Diagnostic(DiagnosticDescriptors.UnserializableEmitPayload).WithLocation(3).WithLocation(5)
                .WithArguments("App.Job", "Job.Run", "delegates are code, not data, and cannot be serialized; send the data that the receiver needs", IgnoreHint),
            Diagnostic(DiagnosticDescriptors.UnserializableEmitPayload).WithLocation(4).WithLocation(5)
                .WithArguments("App.Job", "Job.Run", "delegates are code, not data, and cannot be serialized; send the data that the receiver needs", IgnoreHint),
            Diagnostic(DiagnosticDescriptors.UnserializableEmitPayload).WithLocation(6)
                .WithArguments("App.Secret", "Secret", "file-local types cannot be named by generated code in another file; make the type internal", ""));
    }

    [Fact]
    public async Task LostPayloadMember_ReportsStoredMembersOnly()
    {
        const string Field = "fields are not serialized, so the receiver never gets its value; make it a public property or mark it [JsonIgnore]";
        const string Property = "it has no public setter or init accessor and no matching constructor parameter, so the receiver gets its default value; add an init accessor or a constructor parameter, or mark it [JsonIgnore]";
        await AnalyzerAsync(
            Prelude + """
            public class Base
            {
                public int {|#2:Version|} { get; private set; }
            }

            public sealed class Account : Base
            {
                private readonly List<string> {|#3:_history|} = new();

                public int {|#4:Visible|};

                public Account(string name) => Name = name;

                public string Name { get; }

                public string {|#5:Owner|} { get; } = "system";

                public int Total => _history.Count;

                public const int Limit = 3;

                public static int Created;
            }

            public static class C
            {
                [Consumer("account")]
                public static void OnAccount(Account {|#0:account|}) { }

                public static void Send(EventBus bus) => bus.Emit("account", {|#1:new Account("a")|});
            }
            """,
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(0).WithLocation(3)
                .WithMessage("Member 'Account._history' of payload type 'App.Account' does not reach other processes: " + Field),
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(0).WithLocation(4).WithArguments("Account.Visible", "App.Account", Field),
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(0).WithLocation(5).WithArguments("Account.Owner", "App.Account", Property),
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(0).WithLocation(2).WithArguments("Account.Version", "App.Base", Property),
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(1).WithLocation(3).WithArguments("Account._history", "App.Account", Field),
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(1).WithLocation(4).WithArguments("Account.Visible", "App.Account", Field),
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(1).WithLocation(5).WithArguments("Account.Owner", "App.Account", Property),
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(1).WithLocation(2).WithArguments("Account.Version", "App.Base", Property));
    }

    [Fact]
    public async Task LostPayloadMember_UnusedConstructor_SuggestsJsonConstructor()
    {
        await AnalyzerAsync(
            Prelude + """
            public readonly struct ReadOnlyS
            {
                public ReadOnlyS(int x) { X = x; }

                public int {|#1:X|} { get; }
            }

            public sealed class TwoWays
            {
                public TwoWays() { }

                public TwoWays(string name) => Name = name;

                public string {|#3:Name|} { get; } = "";
            }

            public sealed class Marked
            {
                [JsonConstructor]
                public Marked(int a) => A = a;

                public Marked(int a, int b) : this(a) => B = b;

                public int A { get; }

                public int {|#5:B|} { get; }
            }

            public static class C
            {
                [Consumer("s")]
                public static void OnS(ReadOnlyS {|#0:s|}) { }

                [Consumer("t")]
                public static void OnT(TwoWays {|#2:t|}) { }

                [Consumer("m")]
                public static void OnM(Marked {|#4:m|}) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(0).WithLocation(1)
                .WithMessage("Member 'ReadOnlyS.X' of payload type 'App.ReadOnlyS' does not reach other processes: reading calls the parameterless constructor, not 'ReadOnlyS(int x)', whose parameter 'x' would set it, so the receiver gets its default value; mark that constructor [JsonConstructor], add an init accessor, or mark the member [JsonIgnore]"),
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(2).WithLocation(3)
                .WithArguments("TwoWays.Name", "App.TwoWays", "reading calls the parameterless constructor, not 'TwoWays(string name)', whose parameter 'name' would set it, so the receiver gets its default value; mark that constructor [JsonConstructor], add an init accessor, or mark the member [JsonIgnore]"),
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(4).WithLocation(5)
                .WithArguments("Marked.B", "App.Marked", "reading calls 'Marked(int a)', not 'Marked(int a, int b)', whose parameter 'b' would set it, so the receiver gets its default value; move [JsonConstructor] to that constructor, add an init accessor, or mark the member [JsonIgnore]"));
    }
}
