using System.Collections;
using System.Reflection;
using EventBridge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EventBridge.Generators.Tests;

/// <summary>Checks that the generator's steps stay cached across edits and that its models hold no Roslyn objects.</summary>
public class IncrementalTests
{
    private const string Consumers = """
        using System.Threading.Tasks;
        using EventBridge;

        namespace App;

        public static class Handlers
        {
            [Consumer("order_placed")]
            public static void OnPlaced(Order order)
            {
            }

            [Consumer("")]
            public static void OnNothing(Order order)
            {
            }
        }

        public partial class View
        {
            [Consumer("login")]
            public Task OnLogin(string user, int attempts = 1) => Task.CompletedTask;
        }
        """;

    private const string Payloads = """
        using System.Collections.Generic;

        namespace App;

        public sealed record Order(string Id, List<Line> Lines, Status Status);

        public sealed record Line(string Sku, int? Quantity);

        public enum Status { Open, Closed }
        """;

    private const string Emitter = """
        using EventBridge;

        namespace App;

        public static class Publisher
        {
            public static void Publish(EventBus bus)
            {
                bus.Emit("order_placed", new Order("1", new(), Status.Open));
                bus.Emit("pair", (1, 2));
            }
        }
        """;

    private const string Unrelated = """
        namespace App;

        public static class Maths
        {
            public static int Twice(int value) => value * 2;
        }
        """;

    private static readonly IncrementalStepRunReason[] s_cachedReasons = [IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged];

    public static TheoryData<string> StepNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in AllStepNames())
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StepNames))]
    public void Step_UnrelatedEdit_IsCachedOrUnchanged(string stepName)
    {
        var result = RunTwice(Unrelated + "\npublic static class Added { }\n", replacedIndex: 3);

        Assert.True(result.TrackedSteps.TryGetValue(stepName, out var steps), $"Step {stepName} did not run.");
        foreach (var step in steps)
        {
            foreach (var (_, reason) in step.Outputs)
            {
                Assert.Contains(reason, s_cachedReasons);
            }
        }
    }

    [Fact]
    public void Outputs_UnrelatedEdit_AreAllCached()
    {
        var result = RunTwice(Unrelated + "\npublic static class Added { }\n", replacedIndex: 3);

        var outputs = result.TrackedOutputSteps.SelectMany(pair => pair.Value).SelectMany(step => step.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, output => Assert.Contains(output.Reason, s_cachedReasons));
    }

    [Fact]
    public void SerializerFiles_PayloadEdit_RewritesOnlyThatType()
    {
        var edited = Payloads.Replace("int? Quantity", "int? Quantity, string? Note", StringComparison.Ordinal);
        var result = RunTwice(edited, replacedIndex: 1);

        var outputs = result.TrackedSteps[TrackingNames.SerializerFiles].Single().Outputs;
        var modified = outputs.Where(output => output.Reason == IncrementalStepRunReason.Modified).ToList();
        Assert.Single(modified);
        Assert.Contains("App.Line", modified[0].Value.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, outputs.Count(output => output.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached));
    }

    [Fact]
    public void Model_Types_HoldNoRoslynObjects()
    {
        var modelTypes = typeof(ConsumerGenerator).Assembly.GetTypes()
            .Where(type => type.Namespace is "EventBridge.Generators.Model" or "EventBridge.CodeAnalysis")
            .Where(type => !type.IsAbstract || !type.IsSealed)
            .Where(type => !type.Name.Contains('<', StringComparison.Ordinal) && type.DeclaringType is null)
            .Where(type => type.Name != "PayloadTypeAnalyzer" && type.Name != "CSharpLiterals" && type.Name != "JsonNaming")
            .ToList();
        Assert.Contains(modelTypes, type => type.Name == "ConsumerModel");
        Assert.Contains(modelTypes, type => type.Name == "TypeShape");

        foreach (var type in modelTypes)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                var forbidden = FindForbiddenType(field.FieldType, []);
                Assert.True(forbidden is null, $"{type.Name}.{field.Name} can hold a {forbidden?.Name}.");
            }
        }
    }

    [Fact]
    public void Model_StepOutputs_HoldNoRoslynObjects()
    {
        var result = RunTwice(Unrelated, replacedIndex: 3);

        var checkedValues = 0;
        var ownSteps = AllStepNames().ToHashSet(StringComparer.Ordinal);
        foreach (var (name, steps) in result.TrackedSteps.Where(pair => ownSteps.Contains(pair.Key)))
        {
            foreach (var step in steps)
            {
                foreach (var (value, _) in step.Outputs)
                {
                    var forbidden = FindForbiddenValue(value, new HashSet<object>(ReferenceEqualityComparer.Instance));
                    Assert.True(forbidden is null, $"Step {name} produced a value that holds a {forbidden}.");
                    checkedValues++;
                }
            }
        }

        Assert.True(checkedValues > 10, $"Only {checkedValues} step outputs were checked.");
    }

    private static GeneratorRunResult RunTwice(string replacement, int replacedIndex)
    {
        var compilation = GeneratorHarness.CreateCompilation(Consumers, Payloads, Emitter, Unrelated);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        var oldTree = compilation.SyntaxTrees.ElementAt(replacedIndex);
        var newTree = CSharpSyntaxTree.ParseText(replacement, GeneratorHarness.ParseOptions, oldTree.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(oldTree, newTree));

        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return result;
    }

    private static IEnumerable<string> AllStepNames() =>
        typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => (string)field.GetRawConstantValue()!);

    private static readonly Type[] s_forbiddenTypes =
    [
        typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(Location), typeof(SemanticModel), typeof(SyntaxTree),
    ];

    private static Type? FindForbiddenType(Type type, HashSet<Type> visited)
    {
        if (!visited.Add(type) || type.IsPrimitive || type.IsEnum || type == typeof(string))
        {
            return null;
        }

        if (s_forbiddenTypes.Any(forbidden => forbidden.IsAssignableFrom(type)) || type == typeof(object))
        {
            return type;
        }

        foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
        {
            if (FindForbiddenType(argument, visited) is { } found)
            {
                return found;
            }
        }

        if (type.IsArray)
        {
            return FindForbiddenType(type.GetElementType()!, visited);
        }

        // Only the generator's own types are walked into; Roslyn value types such as TextSpan hold no references.
        if (type.Assembly != typeof(ConsumerGenerator).Assembly)
        {
            return null;
        }

        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (FindForbiddenType(field.FieldType, visited) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static string? FindForbiddenValue(object? value, HashSet<object> visited)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !visited.Add(value))
        {
            return null;
        }

        if (s_forbiddenTypes.Any(forbidden => forbidden.IsInstanceOfType(value)))
        {
            return value.GetType().Name;
        }

        if (value is IEnumerable sequence)
        {
            foreach (var item in sequence)
            {
                if (FindForbiddenValue(item, visited) is { } found)
                {
                    return found;
                }
            }

            return null;
        }

        if (value is DiagnosticDescriptor || value.GetType().Assembly != typeof(ConsumerGenerator).Assembly && !value.GetType().Name.StartsWith("ValueTuple", StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (FindForbiddenValue(field.GetValue(value), visited) is { } found)
            {
                return found;
            }
        }

        return null;
    }
}
