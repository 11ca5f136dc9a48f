namespace EventBridge.Transport;

/// <summary>The kinds of frame in the wire protocol; a frame without a <c>type</c> member is an event.</summary>
internal enum FrameKind
{
    Event,
    Hello,
    Welcome,
    Ping,
    Pong,
    Ack,
    Error,
    Bye,
}
