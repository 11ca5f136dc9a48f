namespace EventBridge;

/// <summary>An <c>error</c> frame that the server sent to a client.</summary>
public sealed class EventBridgeServerErrorEventArgs : EventArgs
{
    /// <summary>Initializes the arguments.</summary>
    /// <param name="code">The error code, such as <c>permission_denied</c>.</param>
    /// <param name="message">The server's description of the error.</param>
    /// <param name="seq">The sequence number of the frame the error refers to, or <see langword="null"/>.</param>
    /// <param name="rejectedEvent">The forwarded event with that sequence number, or <see langword="null"/>.</param>
    public EventBridgeServerErrorEventArgs(string code, string message, long? seq, EventMessage? rejectedEvent)
    {
        Code = code;
        Message = message;
        Seq = seq;
        RejectedEvent = rejectedEvent;
    }

    /// <summary>The error code as listed in <c>docs/protocol.md</c>, or <c>unknown</c> when the frame had none.</summary>
    public string Code { get; }

    /// <summary>The server's description of the error, or empty when the frame had none.</summary>
    public string Message { get; }

    /// <summary>
    /// The sequence number of the client's frame that the error refers to, or <see langword="null"/> when the error
    /// is about the connection as a whole or about a frame that carried no sequence number.
    /// </summary>
    public long? Seq { get; }

    /// <summary>
    /// The event this client forwarded with sequence number <see cref="Seq"/>, when the server rejected one of them,
    /// for example with <c>permission_denied</c> or <c>invalid_signal</c>. The server drops such an event but still
    /// acknowledges its sequence number. <see langword="null"/> when the error refers to no forwarded event, or when
    /// the server does not acknowledge events, because the client then keeps no sent event to match.
    /// </summary>
    public EventMessage? RejectedEvent { get; }
}
