namespace EventBridge;

/// <summary>
/// The signals that EventBridge itself emits on a bus. They start with the reserved prefix, so user code can consume
/// them but not emit them, and a bridge never forwards them to another process.
/// </summary>
public static class EventBridgeSignals
{
    /// <summary>Emitted on a server's bus when a client connects; the payload is the client's <see cref="EventOrigin"/>.</summary>
    public const string ClientConnected = SignalNames.ReservedPrefix + "client_connected";

    /// <summary>Emitted on a server's bus when a client disconnects; the payload is the client's <see cref="EventOrigin"/>.</summary>
    public const string ClientDisconnected = SignalNames.ReservedPrefix + "client_disconnected";

    /// <summary>
    /// Whether <paramref name="signal"/> starts with the reserved prefix <c>eventbridge.</c> in any letter case, as
    /// the library's own signals do.
    /// </summary>
    public static bool IsReserved(string signal) => SignalNames.IsReserved(signal);
}
