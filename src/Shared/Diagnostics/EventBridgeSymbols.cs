// Compiled into the generator and the analyzers.
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace EventBridge.CodeAnalysis.Rules;

/// <summary>
/// The runtime types that the consumer and emit rules look for in one compilation, and the payload analyzer of that
/// compilation. Immutable after creation, so analyzer callbacks may share it across threads.
/// </summary>
internal sealed class EventBridgeSymbols
{
    private EventBridgeSymbols(Compilation compilation, INamedTypeSymbol consumerAttribute)
    {
        Compilation = compilation;
        ConsumerAttribute = consumerAttribute;
        EventBus = compilation.GetTypeByMetadataName("EventBridge.EventBus");
        EventMessage = compilation.GetTypeByMetadataName("EventBridge.EventMessage");
        EventContext = compilation.GetTypeByMetadataName("EventBridge.EventContext");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        Payloads = new PayloadTypeAnalyzer(compilation);

        // The library's own signals are the string constants of EventBridgeSignals; user code may consume them.
        var signals = compilation.GetTypeByMetadataName("EventBridge.EventBridgeSignals");
        LibrarySignals = signals is null
            ? ImmutableHashSet<string>.Empty
            : signals.GetMembers()
                .OfType<IFieldSymbol>()
                .Where(field => field is { IsConst: true, ConstantValue: string })
                .Select(field => (string)field.ConstantValue!)
                .ToImmutableHashSet(System.StringComparer.Ordinal);
    }

    public Compilation Compilation { get; }

    public INamedTypeSymbol ConsumerAttribute { get; }

    public INamedTypeSymbol? EventBus { get; }

    public INamedTypeSymbol? EventMessage { get; }

    public INamedTypeSymbol? EventContext { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    public PayloadTypeAnalyzer Payloads { get; }

    /// <summary>The signal names declared in <c>EventBridge.EventBridgeSignals</c>.</summary>
    public ImmutableHashSet<string> LibrarySignals { get; }

    /// <summary>Returns the symbols of <paramref name="compilation"/>, or <see langword="null"/> when it does not reference the runtime.</summary>
    public static EventBridgeSymbols? Create(Compilation compilation) =>
        compilation.GetTypeByMetadataName("EventBridge.ConsumerAttribute") is { } attribute
            ? new EventBridgeSymbols(compilation, attribute)
            : null;

    public bool IsConsumerAttribute(AttributeData attribute) =>
        SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, ConsumerAttribute);
}
