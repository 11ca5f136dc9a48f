namespace EventBridge.Analyzers.Tests;

/// <summary>Where each consumer rule fires, with its exact span and message, and where it must stay silent.</summary>
public class ConsumerRuleTests
{
    private const string Prelude = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using EventBridge;

        namespace App;

        public sealed record Ok(string Text);

        """;

    [Fact]
    public async Task ValidConsumers_ReportNothing()
    {
        await AnalyzerAsync(Prelude + """
            public static class Audit
            {
                [Consumer("user_action")]
                public static void OnOk(Ok ok, EventContext context) { }

                [Consumer("login")]
                [Consumer("login_again", Namespace = "crm")]
                public static ValueTask OnLogin(string user, int attempts = 1, CancellationToken cancellationToken = default) => default;

                [Consumer("async")]
                internal static async Task OnAsync(Ok ok) => await Task.Yield();

                [Consumer("result")]
                public static Task<int> OnResult(Ok ok) => Task.FromResult(1);

                [Consumer("optional_context")]
                public static void OnOptionalContext(Ok ok, EventContext? context, CancellationToken? cancellationToken) { }
            }

            public sealed partial class View
            {
                [Consumer("changed")]
                private Task OnChangedAsync(Ok ok, CancellationToken cancellationToken) => Task.CompletedTask;

                public partial struct Nested
                {
                    [Consumer("nested")]
                    public void OnNested(Ok ok) { }
                }
            }

            public partial record struct Counter(int Count)
            {
                [Consumer("count")]
                public void OnCount(Ok ok) { }
            }
            """);
    }

    [Fact]
    public async Task HostNotPartial_ReportsInnermostNonPartialType()
    {
        await AnalyzerAsync(
            Prelude + """
            public class Host
            {
                [Consumer("x")]
                public void {|#0:OnOk|}(Ok ok) { }
            }

            public class Outer
            {
                public partial class Inner
                {
                    [Consumer("x")]
                    public void {|#1:OnOk|}(Ok ok) { }
                }
            }
            """,
            Diagnostic(DiagnosticDescriptors.HostNotPartial).WithLocation(0)
                .WithMessage("Consumer 'App.Host.OnOk' is not wired, because type 'App.Host' is not partial; declare it and every type that contains it 'partial'"),
            Diagnostic(DiagnosticDescriptors.HostNotPartial).WithLocation(1)
                .WithMessage("Consumer 'App.Outer.Inner.OnOk' is not wired, because type 'App.Outer' is not partial; declare it and every type that contains it 'partial'"));
    }

    [Fact]
    public async Task HostNotPartial_StaticConsumer_IsNotReported()
    {
        await AnalyzerAsync(Prelude + """
            public class Host
            {
                [Consumer("x")]
                public static void OnOk(Ok ok) { }
            }
            """);
    }

    [Fact]
    public async Task UnsupportedReturnType_ReportsReturnType()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C
            {
                [Consumer("x")]
                public static {|#0:int|} OnOk(Ok ok) => 1;

                [Consumer("y")]
                public static {|#1:ValueTask<int>|} OnOther(Ok ok) => default;
            }
            """,
            Diagnostic(DiagnosticDescriptors.UnsupportedReturnType).WithLocation(0)
                .WithMessage("Consumer 'App.C.OnOk' is not wired, because it returns 'int'; return void, Task or ValueTask"),
            Diagnostic(DiagnosticDescriptors.UnsupportedReturnType).WithLocation(1)
                .WithArguments("App.C.OnOther", "System.Threading.Tasks.ValueTask<int>"));
    }

    [Fact]
    public async Task UnsupportedParameter_ReportsEachPassingKind()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C
            {
                [Consumer("a")]
                public static void A(ref int {|#0:value|}) { }

                [Consumer("b")]
                public static void B(out int {|#1:value|}) { value = 0; }

                [Consumer("c")]
                public static void C1(in int {|#2:value|}) { }

                [Consumer("d")]
                public static void D(params string[] {|#3:names|}) { }

                [Consumer("e")]
                public static void E(ref readonly int {|#4:value|}) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.UnsupportedParameter).WithLocation(0)
                .WithMessage("Consumer 'App.C.A' is not wired, because parameter 'value' is a ref parameter; take it by value"),
            Diagnostic(DiagnosticDescriptors.UnsupportedParameter).WithLocation(1).WithArguments("App.C.B", "value", "an out parameter", "take it by value"),
            Diagnostic(DiagnosticDescriptors.UnsupportedParameter).WithLocation(2).WithArguments("App.C.C1", "value", "an in parameter", "take it by value"),
            Diagnostic(DiagnosticDescriptors.UnsupportedParameter).WithLocation(3).WithArguments("App.C.D", "names", "a params parameter", "take it by value"),
            Diagnostic(DiagnosticDescriptors.UnsupportedParameter).WithLocation(4).WithArguments("App.C.E", "value", "a ref readonly parameter", "take it by value"));
    }

    [Fact]
    public async Task UnsupportedParameter_ReportsVarargs()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C
            {
                [Consumer("varargs")]
                public static void OnVarargs({|#0:__arglist|}) { }

                [Consumer("mixed")]
                public static void OnMixed(Ok ok, {|#1:__arglist|}) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.UnsupportedParameter).WithLocation(0)
                .WithMessage("Consumer 'App.C.OnVarargs' is not wired, because parameter '__arglist' is a variable argument list, which generated code cannot fill; declare each value as a parameter"),
            Diagnostic(DiagnosticDescriptors.UnsupportedParameter).WithLocation(1)
                .WithArguments("App.C.OnMixed", "__arglist", "a variable argument list, which generated code cannot fill", "declare each value as a parameter"));
    }

    [Fact]
    public async Task GenericConsumer_ReportsMethodName()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C
            {
                [Consumer("x")]
                public static void {|#0:OnOk|}<T>(Ok ok) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.GenericConsumer).WithLocation(0)
                .WithMessage("Consumer 'App.C.OnOk' is not wired, because it is a generic method; consumers need concrete parameter types"));
    }

    [Fact]
    public async Task InaccessibleStaticConsumer_ReportsPrivateMethodAndPrivateType()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C
            {
                [Consumer("x")]
                private static void {|#0:OnOk|}(Ok ok) { }

                private static class Hidden
                {
                    [Consumer("y")]
                    public static void {|#1:OnOk|}(Ok ok) { }
                }
            }
            """,
            Diagnostic(DiagnosticDescriptors.InaccessibleStaticConsumer).WithLocation(0)
                .WithMessage("Static consumer 'App.C.OnOk' is not wired, because generated code cannot call it; make it and its containing types internal or public"),
            Diagnostic(DiagnosticDescriptors.InaccessibleStaticConsumer).WithLocation(1).WithArguments("App.C.Hidden.OnOk"));
    }

    [Fact]
    public async Task InstanceConsumer_PrivateMethodInPrivateType_IsNotReported()
    {
        await AnalyzerAsync(Prelude + """
            public static partial class C
            {
                private sealed partial class Hidden
                {
                    [Consumer("y")]
                    private void OnOk(Ok ok) { }
                }
            }
            """);
    }

    [Fact]
    public async Task StaticConsumerInGenericType_IsReported()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C<T>
            {
                [Consumer("x")]
                public static void {|#0:OnOk|}(Ok ok) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.StaticConsumerInGenericType).WithLocation(0)
                .WithMessage("Static consumer 'App.C<T>.OnOk' is not wired, because its containing type is generic and has no type arguments to call it with; move it to a non-generic type or make it an instance method"));
    }

    [Fact]
    public async Task UnsupportedHost_ReportsInterfaceAndRefStruct()
    {
        await AnalyzerAsync(
            Prelude + """
            public partial interface IHost
            {
                [Consumer("x")]
                void {|#0:OnOk|}(Ok ok) { }
            }

            public ref partial struct Stack
            {
                [Consumer("y")]
                public void {|#1:OnOk|}(Ok ok) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.UnsupportedHost).WithLocation(0)
                .WithMessage("Consumer 'App.IHost.OnOk' is not wired, because instance consumers cannot be declared in 'App.IHost', which is an interface; use a class, struct or record"),
            Diagnostic(DiagnosticDescriptors.UnsupportedHost).WithLocation(1).WithArguments("App.Stack.OnOk", "App.Stack", "a ref struct"));
    }

    [Fact]
    public async Task AsyncVoidConsumer_IsWarningOnReturnType()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C
            {
                [Consumer("x")]
                public static async {|#0:void|} OnOk(Ok ok) => await Task.Yield();

                [Consumer("y")]
                public static void NotAsync(Ok ok) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.AsyncVoidConsumer).WithLocation(0)
                .WithMessage("Consumer 'App.C.OnOk' is 'async void', so the bus cannot wait for it and its exceptions crash the process instead of reaching ConsumerFailed; return Task"));
    }

    [Fact]
    public async Task SeveralPayloadParameters_WarnsOnEachExtraParameter()
    {
        await AnalyzerAsync(
            Prelude + """
            public sealed record Customer(string Name);

            public static class C
            {
                [Consumer("x")]
                public static void OnOk(Ok ok, Customer {|#0:customer|}, string note, EventContext context) { }

                [Consumer("y")]
                public static void Simple(string user, int attempts, List<Ok> items) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.SeveralPayloadParameters).WithLocation(0)
                .WithMessage("Consumer 'App.C.OnOk' has two payload object parameters, 'ok' and 'customer', so each binds from the kwargs member of its own name, and an event emitted with one payload object fills neither; combine them into one type"));
    }

    [Fact]
    public async Task FileLocalHost_ReportsStaticAndInstanceConsumers()
    {
        await AnalyzerAsync(
            Prelude + """
            file static class C
            {
                [Consumer("x")]
                public static void {|#0:OnOk|}(Ok ok) { }
            }

            file sealed partial class Host
            {
                [Consumer("y")]
                public void {|#1:OnOk|}(Ok ok) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.FileLocalHost).WithLocation(0)
                .WithMessage("Consumer 'App.C.OnOk' is not wired, because type 'App.C' is file-local and generated code in another file cannot name it; make the type internal"),
            Diagnostic(DiagnosticDescriptors.FileLocalHost).WithLocation(1).WithArguments("App.Host.OnOk", "App.Host"));
    }

    [Fact]
    public async Task LocalConsumer_ReportsLocalFunctionAndLambda()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C
            {
                public static void Register()
                {
                    [{|#0:Consumer("x")|}]
                    static void OnLocal(Ok ok) { }

                    System.Action<Ok> handler = [{|#1:Consumer("y")|}] (Ok ok) => { };
                    System.Func<Ok, Task> asyncHandler = [System.Obsolete, {|#2:EventBridge.Consumer("z")|}] async (Ok ok) => await Task.Yield();

                    [System.Obsolete]
                    static void Unrelated(Ok ok) { }
                }
            }
            """,
            Diagnostic(DiagnosticDescriptors.LocalConsumer).WithLocation(0)
                .WithMessage("[Consumer] on local function 'OnLocal' is never wired, because generated code can call only methods declared in a type; move the consumer to a method of a type"),
            Diagnostic(DiagnosticDescriptors.LocalConsumer).WithLocation(1).WithArguments("a lambda"),
            Diagnostic(DiagnosticDescriptors.LocalConsumer).WithLocation(2).WithArguments("a lambda"));
    }

    [Fact]
    public async Task MethodWithoutAttribute_IsIgnored()
    {
        await AnalyzerAsync(Prelude + """
            public class Host
            {
                public static async void Handler(Ok ok) => await Task.Yield();

                public int Other(ref int value) => value;
            }
            """);
    }
}
