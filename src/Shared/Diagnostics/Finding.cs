// Compiled into the generator and the analyzers.
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace EventBridge.CodeAnalysis.Rules;

/// <summary>
/// One broken rule found on a consumer or an emit call: the diagnostic id, where it applies, and the message
/// arguments. The analyzers report it; the generator reads only <see cref="BlocksGeneration"/>.
/// </summary>
internal sealed class Finding
{
    public Finding(string id, Location? location, bool blocksGeneration, params string[] arguments)
        : this(id, location, ImmutableArray<Location>.Empty, blocksGeneration, arguments)
    {
    }

    public Finding(string id, Location? location, ImmutableArray<Location> additionalLocations, bool blocksGeneration, params string[] arguments)
    {
        Id = id;
        Location = location;
        AdditionalLocations = additionalLocations;
        BlocksGeneration = blocksGeneration;
        Arguments = arguments;
    }

    public string Id { get; }

    public Location? Location { get; }

    /// <summary>Further locations, such as the payload member that a problem is about, for code fixes.</summary>
    public ImmutableArray<Location> AdditionalLocations { get; }

    /// <summary>Whether generated code for the consumer would not compile or would not run, so none is generated.</summary>
    public bool BlocksGeneration { get; }

    public string[] Arguments { get; }
}
