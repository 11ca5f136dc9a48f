namespace EventBridge.Analyzers.Tests;

/// <summary>EB1015: one signal consumed or emitted with payload types whose JSON conflicts.</summary>
public class SignalShapeTests
{
    private const string Prelude = """
        using System.Collections.Generic;
        using System.Text.Json.Serialization;
        using EventBridge;

        namespace App;

        """;

    [Fact]
    public async Task ConflictingMemberKind_IsReportedAtLaterUsage()
    {
        await AnalyzerAsync(
            Prelude + """
            public sealed record Order(int Id, decimal Total);
            public sealed record Invoice(int Id, string Total);

            public static class C
            {
                [Consumer("order")]
                public static void OnOrder(Order order) { }

                public static void Send(EventBus bus) => bus.Emit("order", {|#0:new Invoice(1, "9.50")|});
            }
            """,
            Diagnostic(DiagnosticDescriptors.ConflictingPayloadShapes).WithLocation(0).WithSpan("/0/Test0.cs", 11, 15, 11, 22)
                .WithMessage("Signal 'order' is emitted here with payload type 'App.Invoice' but consumed with 'App.Order' at Test0.cs:11, and their JSON conflicts: member 'total' is a string in 'App.Invoice' but a number in 'App.Order'"));
    }

    [Fact]
    public async Task MissingRequiredMember_IsReportedForReaderOnly()
    {
        await AnalyzerAsync(
            Prelude + """
            public sealed record Partial(int Id);
            public sealed record Order(int Id, string Name);

            public static class C
            {
                public static void Send(EventBus bus) => bus.Emit("order", new Partial(1));

                [Consumer({|#0:"order"|})]
                public static void OnOrder(Order order) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.ConflictingPayloadShapes).WithLocation(0).WithSpan("/0/Test0.cs", 11, 64, 11, 78)
                .WithMessage("Signal 'order' is consumed here with payload type 'App.Order' but emitted with 'App.Partial' at Test0.cs:11, and their JSON conflicts: 'App.Order' requires member 'name', which 'App.Partial' does not write"));
    }

    [Fact]
    public async Task ArgumentConsumer_ComparesParametersByJsonName()
    {
        await AnalyzerAsync(
            Prelude + """
            public sealed record Login(string User, int Attempts);
            public sealed record BadLogin(int User);

            public static class C
            {
                [Consumer("login")]
                public static void OnLogin(string user, int attempts = 1) { }

                public static void Send(EventBus bus)
                {
                    bus.Emit("login", new Login("ann", 2));
                    bus.Emit("login", {|#0:new BadLogin(3)|});
                }
            }
            """,
            Diagnostic(DiagnosticDescriptors.ConflictingPayloadShapes).WithLocation(0).WithSpan("/0/Test0.cs", 11, 15, 11, 22)
                .WithArguments("login", "emitted", "App.BadLogin", "consumed", "(string user, int attempts)", "Test0.cs:11", "member 'user' is a number in 'App.BadLogin' but a string in '(string user, int attempts)'"));
    }

    [Fact]
    public async Task CompatibleShapes_ReportNothing()
    {
        await AnalyzerAsync(Prelude + """
            public sealed record Order(int Id, decimal Total, List<string> Tags);
            public sealed record OrderCopy(int Id, decimal Total, string[] Tags, string? Extra = null);
            public sealed record Renamed([property: JsonPropertyName("id")] long Key, double Total, IEnumerable<string> Tags);
            public sealed record Other(string Id);

            public static class C
            {
                [Consumer("order")]
                public static void OnOrder(Order order) { }

                [Consumer("order", Namespace = "archive")]
                public static void OnArchived(Other other) { }

                public static void Send(EventBus bus, string dynamicName)
                {
                    bus.Emit("order", new OrderCopy(1, 2m, []));
                    bus.Emit("order", new Renamed(1, 2.5, []));
                    bus.Emit("order", new Order(1, 2m, []));
                    bus.Emit(dynamicName, new Other("x"));
                    bus.Emit("order", "tenant", new Other("x"));
                }
            }
            """);
    }

    [Fact]
    public async Task ValuePayload_BindsToOnlyParameter_ReportsNothing()
    {
        await AnalyzerAsync(Prelude + """
            public static class C
            {
                [Consumer("tick")]
                public static void OnTick(long sequence) { }

                [Consumer("names")]
                public static void OnNames(List<string> names, int page = 1) { }

                [Consumer("scores")]
                public static void OnScores(Dictionary<string, int> scores) { }

                public static void Send(EventBus bus)
                {
                    bus.Emit("tick", 5L);
                    bus.Emit("tick", 5);
                    bus.Emit("names", new List<string> { "a" });
                    bus.Emit("names", new[] { "b" });
                    bus.Emit("scores", new Dictionary<string, int> { ["x"] = 1 });
                }
            }
            """);
    }

    [Fact]
    public async Task ValuePayload_OfAnotherKind_IsReported()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C
            {
                [Consumer("tick")]
                public static void OnTick(long sequence) { }

                public static void Send(EventBus bus) => bus.Emit("tick", {|#0:"five"|});
            }
            """,
            Diagnostic(DiagnosticDescriptors.ConflictingPayloadShapes).WithLocation(0).WithSpan("/0/Test0.cs", 8, 15, 8, 21)
                .WithArguments("tick", "emitted", "string", "consumed", "(long sequence)", "Test0.cs:8", "the payload is a string in 'string' but a number in 'long'"));
    }

    [Fact]
    public async Task ValuePayload_ForObjectConsumer_IsReported()
    {
        await AnalyzerAsync(
            Prelude + """
            public sealed record Order(int Id);

            public static class C
            {
                [Consumer("order")]
                public static void OnOrder(Order order) { }

                public static void Send(EventBus bus) => bus.Emit("order", {|#0:42|});
            }
            """,
            Diagnostic(DiagnosticDescriptors.ConflictingPayloadShapes).WithLocation(0).WithSpan("/0/Test0.cs", 10, 15, 10, 22)
                .WithArguments("order", "emitted", "int", "consumed", "App.Order", "Test0.cs:10", "the payload is a number in 'int' but an object in 'App.Order'"));
    }

    [Fact]
    public async Task ValuePayload_ForSeveralRequiredParameters_IsReported()
    {
        await AnalyzerAsync(
            Prelude + """
            public static class C
            {
                [Consumer("move")]
                public static void OnMove(int x, int y) { }

                public static void Send(EventBus bus) => bus.Emit("move", {|#0:3|});
            }
            """,
            Diagnostic(DiagnosticDescriptors.ConflictingPayloadShapes).WithLocation(0).WithSpan("/0/Test0.cs", 8, 15, 8, 21)
                .WithArguments("move", "emitted", "int", "consumed", "(int x, int y)", "Test0.cs:8", "the payload is a number in 'int' but an object in '(int x, int y)'"));
    }
}
