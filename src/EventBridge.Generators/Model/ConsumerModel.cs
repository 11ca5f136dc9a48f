using EventBridge.CodeAnalysis;

namespace EventBridge.Generators.Model;

/// <summary>What a consumer method returns, which decides how the generated handler returns.</summary>
internal enum ConsumerReturnKind
{
    Void,
    Task,
    ValueTask,
}

/// <summary>Where a consumer parameter's value comes from.</summary>
internal enum ParameterSource
{
    /// <summary>The whole payload, read from the event's <c>kwargs</c> object.</summary>
    Payload,

    /// <summary>One argument: a <c>kwargs</c> member by JSON name, else an <c>args</c> element by position.</summary>
    Argument,

    /// <summary>The <c>EventContext</c>.</summary>
    Context,

    /// <summary>The context's cancellation token.</summary>
    CancellationToken,
}

/// <summary>One <c>[Consumer]</c> method and everything needed to call it from generated code.</summary>
/// <remarks>
/// Immutable and compared by value, holding no symbol, syntax node or location, so that the incremental step that
/// produces it stays cached while unrelated code changes. Any new member must keep these properties.
/// </remarks>
internal sealed record ConsumerModel
{
    /// <summary>The name for logs, for example <c>MyApp.Audit.OnUserAction</c>.</summary>
    public required string DisplayName { get; init; }

    /// <summary>The method name as C# writes it, escaped with <c>@</c> when it is a keyword.</summary>
    public required string MethodName { get; init; }

    public required bool IsStatic { get; init; }

    /// <summary>The containing type, fully qualified with <c>global::</c>.</summary>
    public required string HostFullName { get; init; }

    public required ConsumerHost Host { get; init; }

    public required EquatableArray<SignalModel> Signals { get; init; }

    public required EquatableArray<ParameterModel> Parameters { get; init; }

    public required ConsumerReturnKind ReturnKind { get; init; }
}

/// <summary>The type that declares a consumer, with what a partial declaration of it needs.</summary>
/// <remarks>Immutable and compared by value; see <see cref="ConsumerModel"/>.</remarks>
internal sealed record ConsumerHost
{
    /// <summary>A unique, file-name-safe name, for example <c>MyApp.Outer.Inner_1</c>.</summary>
    public required string MetadataName { get; init; }

    /// <summary>The namespace, or <see langword="null"/> for the global namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>The type and the types that contain it, outermost first.</summary>
    public required EquatableArray<TypeDeclarationModel> Declarations { get; init; }

    public required bool IsValueType { get; init; }
}

/// <summary>The header of one partial type declaration, such as <c>partial record struct Point</c>.</summary>
/// <remarks>Immutable and compared by value; see <see cref="ConsumerModel"/>.</remarks>
internal sealed record TypeDeclarationModel(string Keyword, string NameWithTypeParameters);

/// <summary>A signal and namespace that a consumer listens to.</summary>
internal sealed record SignalModel(string Signal, string? Namespace);

/// <summary>One parameter of a consumer method.</summary>
/// <remarks>Immutable and compared by value; see <see cref="ConsumerModel"/>.</remarks>
internal sealed record ParameterModel
{
    /// <summary>The C# name without an <c>@</c>; the JSON name is derived from it.</summary>
    public required string Name { get; init; }

    public required ParameterSource Source { get; init; }

    /// <summary>The type, fully qualified with <c>global::</c>, without nullable annotations.</summary>
    public required string TypeFullName { get; init; }

    /// <summary>The position among the parameters that carry data, which is the index in <c>args</c>.</summary>
    public int Position { get; init; }

    /// <summary>The C# expression of the default value of an optional parameter.</summary>
    public string? DefaultValue { get; init; }

    public bool AllowsNull { get; init; }
}

/// <summary>The result of parsing one method marked <c>[Consumer]</c>.</summary>
/// <remarks>Immutable and compared by value; see <see cref="ConsumerModel"/>.</remarks>
internal sealed record ConsumerParseResult
{
    public static readonly ConsumerParseResult Empty = new();

    /// <summary>The consumer, or <see langword="null"/> when it cannot be wired.</summary>
    public ConsumerModel? Consumer { get; init; }

    /// <summary>The shapes of the parameter types that carry data.</summary>
    public EquatableArray<PayloadAnalysis> Payloads { get; init; }
}

/// <summary>The result of parsing one call that passes a typed payload to the bus.</summary>
internal sealed record EmitSiteResult
{
    public static readonly EmitSiteResult Empty = new();

    public PayloadAnalysis? Payload { get; init; }
}
