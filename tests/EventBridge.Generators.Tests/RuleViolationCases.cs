namespace EventBridge.Generators.Tests;

/// <summary>
/// Code that breaks one EventBridge rule per case. The generator's tests check that it leaves each case out
/// silently; the analyzers' tests (which compile this file too) check that they report the rule.
/// </summary>
public static class RuleViolationCases
{
    public const string Usings = "using System.Collections.Generic; using System.Threading.Tasks; using EventBridge; namespace App; public sealed record Ok(string Text);\n";

    /// <summary>The rule that each case breaks (its diagnostic id), a name, and the source after <see cref="Usings"/>.</summary>
    public static TheoryData<string, string, string> Get() => new()
    {
        { "EB1001", "object payload", "public static class C { [Consumer(\"x\")] public static void M(object payload) { } }" },
        { "EB1001", "interface member", "public interface IShape { } public sealed record Box(IShape Shape); public static class C { [Consumer(\"x\")] public static void M(Box box) { } }" },
        { "EB1001", "int dictionary key", "public static class C { [Consumer(\"x\")] public static void M(Dictionary<int, string> map) { } }" },
        { "EB1001", "unmatched constructor parameter", "public sealed class P { public P(int hidden) { } public int Shown { get; set; } } public static class C { [Consumer(\"x\")] public static void M(P p) { } }" },
        { "EB1001", "private nested payload", "public static class C { private sealed record Secret(int A); [Consumer(\"x\")] internal static void M(Secret s) { } }" },
        { "EB1001", "tuple", "public static class C { [Consumer(\"x\")] public static void M((int A, int B) pair) { } }" },
        { "EB1001", "abstract payload", "public abstract class Shape { } public static class C { [Consumer(\"x\")] public static void M(Shape s) { } }" },
        { "EB1001", "two JsonConstructors", "public sealed class P { [System.Text.Json.Serialization.JsonConstructor] public P(int a) { A = a; } [System.Text.Json.Serialization.JsonConstructor] public P(int a, int b) { A = a; } public int A { get; } } public static class C { [Consumer(\"x\")] public static void M(P p) { } }" },
        { "EB1001", "colliding JSON names", "public sealed record P(int UserId, int User_Id); public static class C { [Consumer(\"x\")] public static void M(P p) { } }" },
        { "EB1001", "generic payload that expands", "public sealed record Node<T>(T Value, Node<Node<T>>? Next); public static class C { [Consumer(\"x\")] public static void M(Node<int> node) { } }" },
        { "EB1001", "required field", "public sealed class Reading { public required int Value; public string Unit { get; set; } = \"\"; } public static class C { [Consumer(\"x\")] public static void M(Reading r) { } }" },
        { "EB1001", "required property with internal setter", "internal sealed class P { public required int A { get; internal set; } } public static class C { [Consumer(\"x\")] internal static void M(P p) { } }" },
        { "EB1001", "required JsonIgnore property", "public sealed class P { [System.Text.Json.Serialization.JsonIgnore] public required int A { get; set; } public int B { get; set; } } public static class C { [Consumer(\"x\")] public static void M(P p) { } }" },
        { "EB1002", "emit of required field", "public sealed class Reading { public required int Value; } public static class C { public static void M(EventBus bus) => bus.Emit(\"x\", new Reading { Value = 1 }); }" },
        { "EB1002", "signal of required field", "public sealed class Reading { public required int Value; } public static class C { public static EventSignal<Reading> M(EventBus bus) => bus.CreateSignal<Reading>(\"x\"); }" },
        { "EB1004", "reserved emitted signal", "public static class C { public static EventSignal<Ok> M(EventBus bus) => bus.CreateSignal<Ok>(\"eventbridge.internal\"); }" },
        { "EB1002", "emit of object", "public static class C { public static void M(EventBus bus) => bus.Emit<object>(\"x\", new object()); }" },
        { "EB1003", "non-partial host", "public class Host { [Consumer(\"x\")] public void M(Ok ok) { } }" },
        { "EB1003", "non-partial outer type", "public class Outer { public partial class Host { [Consumer(\"x\")] public void M(Ok ok) { } } }" },
        { "EB1004", "empty signal", "public static class C { [Consumer(\"\")] public static void M(Ok ok) { } }" },
        { "EB1004", "reserved signal", "public static class C { [Consumer(\"eventbridge.internal\")] public static void M(Ok ok) { } }" },
        { "EB1004", "signal with space", "public static class C { [Consumer(\"a b\")] public static void M(Ok ok) { } }" },
        { "EB1005", "int return", "public static class C { [Consumer(\"x\")] public static int M(Ok ok) => 1; }" },
        { "EB1006", "ref parameter", "public static class C { [Consumer(\"x\")] public static void M(ref int value) { } }" },
        { "EB1006", "in parameter", "public static class C { [Consumer(\"x\")] public static void M(in int value) { } }" },
        { "EB1006", "params parameter", "public static class C { [Consumer(\"x\")] public static void M(params string[] names) { } }" },
        { "EB1006", "vararg method", "public static class C { [Consumer(\"x\")] public static void M(__arglist) { } }" },
        { "EB1006", "vararg method with payload", "public static class C { [Consumer(\"x\")] public static void M(Ok ok, __arglist) { } }" },
        { "EB1007", "generic method", "public static class C { [Consumer(\"x\")] public static void M<T>(Ok ok) { } }" },
        { "EB1008", "private static consumer", "public static class C { [Consumer(\"x\")] private static void M(Ok ok) { } }" },
        { "EB1009", "static in generic type", "public static class C<T> { [Consumer(\"x\")] public static void M(Ok ok) { } }" },
        { "EB1010", "interface host", "public partial interface IHost { [Consumer(\"x\")] void M(Ok ok) { } }" },
        { "EB1014", "static consumer in file-local type", "file static class C { [Consumer(\"x\")] public static void M(Ok ok) { } }" },
        { "EB1014", "file-local host", "file partial class C { [Consumer(\"x\")] public void M(Ok ok) { } }" },
        { "EB1016", "consumer on local function", "public static class C { public static void Register() { [Consumer(\"x\")] static void L(Ok ok) { } } }" },
        { "EB1016", "consumer on lambda", "public static class C { public static System.Action<Ok> Register() => [Consumer(\"x\")] (Ok ok) => { }; }" },
    };
}
