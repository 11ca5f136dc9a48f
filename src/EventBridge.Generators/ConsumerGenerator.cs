using Microsoft.CodeAnalysis;

namespace EventBridge.Generators;

/// <summary>Wires <c>[Consumer]</c> methods and writes JSON serializers for their payload types.</summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class ConsumerGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
