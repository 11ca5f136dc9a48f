namespace EventBridge.Transport;

/// <summary>A frame broke the wire protocol; <see cref="Code"/> is sent back to the peer in an error frame.</summary>
public sealed class ProtocolException : EventBridgeException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="code">A short, stable error code such as <c>invalid_json</c>.</param>
    /// <param name="message">A sentence that says what is wrong with the frame.</param>
    /// <param name="innerException">The exception that caused it, if any.</param>
    public ProtocolException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>The error code sent in the error frame.</summary>
    public string Code { get; }
}
