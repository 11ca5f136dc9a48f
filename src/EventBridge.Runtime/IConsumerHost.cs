namespace EventBridge;

/// <summary>
/// A type whose instance methods are marked <see cref="ConsumerAttribute"/>. The EventBridge generator implements
/// this interface on every such <see langword="partial"/> type, so <see cref="EventBus.Subscribe(IConsumerHost)"/>
/// wires the instance without reflection.
/// </summary>
public interface IConsumerHost
{
    /// <summary>Returns one descriptor for each consumer method of this instance.</summary>
    IReadOnlyList<ConsumerDescriptor> GetConsumers();
}
