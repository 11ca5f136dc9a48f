namespace EventBridge;

/// <summary>
/// Marks a method as a consumer of the events emitted under <see cref="Signal"/>. The EventBridge source
/// generator wires every marked method at compile time: static methods through the generated
/// <c>AddGeneratedConsumers</c> extension, instance methods through <see cref="EventBus.Subscribe(IConsumerHost)"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class ConsumerAttribute : Attribute
{
    /// <summary>Initializes the attribute with the signal that the method consumes.</summary>
    /// <param name="signal">The signal name, for example <c>"chat_message"</c>.</param>
    public ConsumerAttribute(string signal)
    {
        Signal = signal;
    }

    /// <summary>The signal name that the method consumes.</summary>
    public string Signal { get; }

    /// <summary>
    /// The namespace the consumer listens in. A consumer without a namespace sees events of the default
    /// namespace only.
    /// </summary>
    public string? Namespace { get; set; }
}
