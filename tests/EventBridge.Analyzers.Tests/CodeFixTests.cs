using EventBridge.Analyzers.CodeFixes;

namespace EventBridge.Analyzers.Tests;

/// <summary>Each code fix, before and after.</summary>
public class CodeFixTests
{
    [Fact]
    public async Task MakePartial_AddsPartialToEveryContainingType()
    {
        await CodeFixAsync<MakePartialCodeFix>(
            """
            using EventBridge;

            namespace App;

            public sealed record Ok(string Text);

            public static class Outer
            {
                internal class Middle
                {
                    public sealed partial class Host
                    {
                        [Consumer("x")]
                        public void {|#0:OnOk|}(Ok ok) { }
                    }
                }
            }
            """,
            """
            using EventBridge;

            namespace App;

            public sealed record Ok(string Text);

            public static partial class Outer
            {
                internal partial class Middle
                {
                    public sealed partial class Host
                    {
                        [Consumer("x")]
                        public void OnOk(Ok ok) { }
                    }
                }
            }
            """,
            Diagnostic(DiagnosticDescriptors.HostNotPartial).WithLocation(0).WithArguments("App.Outer.Middle.Host.OnOk", "App.Outer.Middle"));
    }

    [Fact]
    public async Task MakePartial_TypeWithoutModifiers_KeepsIndentation()
    {
        await CodeFixAsync<MakePartialCodeFix>(
            """
            using EventBridge;

            namespace App
            {
                public sealed record Ok(string Text);

                /// <summary>Watches orders.</summary>
                record struct Watcher
                {
                    [Consumer("x")]
                    public void {|#0:OnOk|}(Ok ok) { }
                }
            }
            """,
            """
            using EventBridge;

            namespace App
            {
                public sealed record Ok(string Text);

                /// <summary>Watches orders.</summary>
                partial record struct Watcher
                {
                    [Consumer("x")]
                    public void OnOk(Ok ok) { }
                }
            }
            """,
            Diagnostic(DiagnosticDescriptors.HostNotPartial).WithLocation(0).WithArguments("App.Watcher.OnOk", "App.Watcher"));
    }

    [Fact]
    public async Task AsyncVoid_BecomesAsyncTask_AddingUsing()
    {
        await CodeFixAsync<AsyncTaskCodeFix>(
            """
            using EventBridge;

            namespace App;

            public sealed record Ok(string Text);

            public static class C
            {
                [Consumer("x")]
                public static async {|#0:void|} OnOk(Ok ok)
                {
                    await System.Threading.Tasks.Task.Yield();
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using EventBridge;

            namespace App;

            public sealed record Ok(string Text);

            public static class C
            {
                [Consumer("x")]
                public static async Task OnOk(Ok ok)
                {
                    await System.Threading.Tasks.Task.Yield();
                }
            }
            """,
            Diagnostic(DiagnosticDescriptors.AsyncVoidConsumer).WithLocation(0).WithArguments("App.C.OnOk"));
    }

    [Fact]
    public async Task AsyncVoid_WithTasksInScope_AddsNoUsing()
    {
        await CodeFixAsync<AsyncTaskCodeFix>(
            """
            using System.Threading.Tasks;
            using EventBridge;

            namespace App;

            public sealed record Ok(string Text);

            public sealed partial class Host
            {
                [Consumer("x")]
                private async {|#0:void|} OnOk(Ok ok) => await Task.Delay(1);
            }
            """,
            """
            using System.Threading.Tasks;
            using EventBridge;

            namespace App;

            public sealed record Ok(string Text);

            public sealed partial class Host
            {
                [Consumer("x")]
                private async Task OnOk(Ok ok) => await Task.Delay(1);
            }
            """,
            Diagnostic(DiagnosticDescriptors.AsyncVoidConsumer).WithLocation(0).WithArguments("App.Host.OnOk"));
    }

    [Fact]
    public async Task JsonIgnore_UnserializableMemberInOtherFile_AddsAttributeAndUsing()
    {
        const string Consumer = """
            using EventBridge;

            namespace App;

            public static class C
            {
                [Consumer("x")]
                public static void OnCustomer(Customer {|#0:customer|}) { }
            }
            """;
        await CodeFixAsync<JsonIgnoreCodeFix>(
            [
                Consumer,
                """
                using System;

                namespace App;

                public sealed class Customer
                {
                    public string Name { get; set; } = "";

                    /// <summary>Called when the customer changes.</summary>
                    public Action? {|#1:Callback|} { get; set; }
                }
                """,
            ],
            [
                Consumer.Replace("{|#0:customer|}", "customer", StringComparison.Ordinal),
                """
                using System;
                using System.Text.Json.Serialization;

                namespace App;

                public sealed class Customer
                {
                    public string Name { get; set; } = "";

                    /// <summary>Called when the customer changes.</summary>
                    [JsonIgnore]
                    public Action? Callback { get; set; }
                }
                """,
            ],
            [
                Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(0).WithLocation(1)
                    .WithArguments("App.C.OnCustomer", "customer", "App.Customer", "Customer.Callback", "delegates are code, not data, and cannot be serialized; send the data that the receiver needs", "; or mark the member [JsonIgnore] to leave it out of the payload"),
            ]);
    }

    [Fact]
    public async Task JsonIgnore_LostField_AddsAttributeBesideExistingOnes()
    {
        await CodeFixAsync<JsonIgnoreCodeFix>(
            """
            using System;
            using System.Text.Json.Serialization;
            using EventBridge;

            namespace App;

            public sealed class Counter
            {
                [Obsolete("kept for old senders")]
                private int {|#1:_hits|};

                public int Hits => _hits;

                public void Hit() => _hits++;
            }

            public static class C
            {
                public static void Send(EventBus bus) => bus.Emit("count", {|#0:new Counter()|});
            }
            """,
            """
            using System;
            using System.Text.Json.Serialization;
            using EventBridge;

            namespace App;

            public sealed class Counter
            {
                [JsonIgnore]
                [Obsolete("kept for old senders")]
                private int _hits;

                public int Hits => _hits;

                public void Hit() => _hits++;
            }

            public static class C
            {
                public static void Send(EventBus bus) => bus.Emit("count", new Counter());
            }
            """,
            Diagnostic(DiagnosticDescriptors.LostPayloadMember).WithLocation(0).WithLocation(1)
                .WithArguments("Counter._hits", "App.Counter", "fields are not serialized, so the receiver never gets its value; make it a public property or mark it [JsonIgnore]"));
    }

    [Fact]
    public async Task JsonIgnore_PositionalRecordMember_OffersNoFix()
    {
        const string Source = """
            using System;
            using EventBridge;

            namespace App;

            public sealed record Job(string Name, Action {|#1:Run|});

            public static class C
            {
                [Consumer("x")]
                public static void OnJob(Job {|#0:job|}) { }
            }
            """;
        var expected = Diagnostic(DiagnosticDescriptors.UnserializablePayload).WithLocation(0).WithLocation(1)
            .WithArguments("App.C.OnJob", "job", "App.Job", "Job.Run", "delegates are code, not data, and cannot be serialized; send the data that the receiver needs", "; or mark the member [JsonIgnore] to leave it out of the payload");

        // Ignoring a property that a constructor parameter sets would leave the parameter unbound.
        await CodeFixAsync<JsonIgnoreCodeFix>([Source], [Source], [expected], [expected]);
    }
}
