using Microsoft.Extensions.Logging;

namespace EventBridge;

/// <summary>Settings of an <see cref="EventBus"/>.</summary>
public sealed record EventBusOptions
{
    /// <summary>The logger factory for the bus's own log messages. Default: none, so nothing is logged.</summary>
    /// <remarks>
    /// The bus ignores any exception that its logger throws, so a logging provider that fails while logging changes
    /// nothing else: the event's other consumers still run, and <see cref="EventBus.ConsumerFailed"/> is raised as it
    /// would be without a logger. An exception from the factory's <see cref="ILoggerFactory.CreateLogger"/>, such as
    /// that of a disposed factory, is not caught: the bus's constructor throws it.
    /// </remarks>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// The maximum depth of emits nested inside consumers on one thread. Default: 32. An emit deeper than this is
    /// not delivered, and the bus reports an <see cref="EventBridgeException"/> through
    /// <see cref="EventBus.ConsumerFailed"/>, because a consumer that re-emits its own signal would otherwise recurse
    /// until the stack overflows. While the bus is raising that event for an earlier rejection on the same thread, a
    /// further rejection is only logged (see <see cref="EventBus.ConsumerFailed"/>).
    /// </summary>
    public int MaxNestingDepth { get; init; } = 32;
}
