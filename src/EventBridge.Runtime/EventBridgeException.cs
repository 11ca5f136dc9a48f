namespace EventBridge;

/// <summary>The base of the exceptions that EventBridge throws.</summary>
public class EventBridgeException : Exception
{
    /// <summary>Initializes the exception with a message.</summary>
    public EventBridgeException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes the exception with a message and the exception that caused it.</summary>
    public EventBridgeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
