using Microsoft.Extensions.Logging;

namespace EventBridge;

public sealed partial class EventBridgeClient
{
    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Information,
            "Client {ClientName} connected to {Host}:{Port}; {OutboxCount} events wait in the outbox",
            EventName = "ClientConnected")]
        public static partial void Connected(ILogger logger, string clientName, string host, int port, int outboxCount);

        [LoggerMessage(3002, LogLevel.Warning,
            "Client {ClientName} lost its connection; {OutboxCount} events wait in the outbox",
            EventName = "ConnectionLost")]
        public static partial void ConnectionLost(ILogger logger, string clientName, int outboxCount);

        [LoggerMessage(3003, LogLevel.Warning, "The server sent an invalid frame: {Code}: {Reason}", EventName = "InvalidFrame")]
        public static partial void InvalidFrame(ILogger logger, string code, string reason);

        [LoggerMessage(3004, LogLevel.Warning, "The server reported an error: {Code}: {Reason}", EventName = "ServerError")]
        public static partial void ServerError(ILogger logger, string code, string reason);

        [LoggerMessage(3005, LogLevel.Warning,
            "Event {EventId} on signal {Signal} was dropped before the server acknowledged it ({Reason}); it had been written to a connection: {WasSent} (drop {Count} of this client)",
            EventName = "EventNotForwarded")]
        public static partial void EventNotForwarded(
            ILogger logger, string signal, EventId eventId, EventDropReason reason, bool wasSent, long count);

        [LoggerMessage(3006, LogLevel.Warning, "Discarded a frame of {Length} bytes from the server: it is over the size limit",
            EventName = "OversizedFrame")]
        public static partial void OversizedFrame(ILogger logger, long length);

        [LoggerMessage(3007, LogLevel.Error, "Client {ClientName} failed reading from the server", EventName = "ReadFailed")]
        public static partial void ReadFailed(ILogger logger, Exception exception, string clientName);

        // Debug, because ConnectAsync throws the exception to its caller, which reports it.
        [LoggerMessage(3008, LogLevel.Debug, "Client {ClientName} failed to connect to {Host}:{Port}",
            EventName = "ConnectFailed")]
        public static partial void ConnectFailed(ILogger logger, Exception exception, string clientName, string host, int port);

        [LoggerMessage(3009, LogLevel.Information,
            "Client {ClientName} reconnects in {DelayMilliseconds:0} ms (attempt {Attempt})", EventName = "Reconnecting")]
        public static partial void Reconnecting(ILogger logger, string clientName, int attempt, double delayMilliseconds);

        [LoggerMessage(3010, LogLevel.Information, "Client {ClientName} reconnected after {Attempt} attempts",
            EventName = "Reconnected")]
        public static partial void Reconnected(ILogger logger, string clientName, int attempt);

        // One line per attempt, because a server that stays down fails every attempt. The stack trace goes to
        // ReconnectFailureDetail at Debug level.
        [LoggerMessage(3011, LogLevel.Warning, "Client {ClientName} failed reconnection attempt {Attempt}: {Reason}",
            EventName = "ReconnectFailed")]
        public static partial void ReconnectFailed(ILogger logger, string clientName, int attempt, string reason);

        [LoggerMessage(3012, LogLevel.Warning, "Client {ClientName} failed writing to the server", EventName = "WriteFailed")]
        public static partial void WriteFailed(ILogger logger, Exception exception, string clientName);

        [LoggerMessage(3013, LogLevel.Information, "The server said bye to client {ClientName}", EventName = "ServerSaidBye")]
        public static partial void ServerSaidBye(ILogger logger, string clientName);

        [LoggerMessage(3014, LogLevel.Debug, "Dropped duplicate event {EventId} on signal {Signal}", EventName = "DuplicateDropped")]
        public static partial void DuplicateDropped(ILogger logger, string signal, EventId eventId);

        [LoggerMessage(3015, LogLevel.Debug,
            "Event {EventId} on signal {Signal} was not forwarded: a consumer emitted it while handling remote event {CauseId} of the same signal",
            EventName = "ReactionNotForwarded")]
        public static partial void ReactionNotForwarded(ILogger logger, string signal, EventId eventId, EventId causeId);

        [LoggerMessage(3016, LogLevel.Error, "Event {EventId} on signal {Signal} could not be written as JSON",
            EventName = "SerializationFailed")]
        public static partial void SerializationFailed(ILogger logger, Exception exception, string signal, EventId eventId);

        [LoggerMessage(3017, LogLevel.Error, "A handler of the client's {EventName} event threw", EventName = "HandlerFailed")]
        public static partial void HandlerFailed(ILogger logger, Exception exception, string eventName);

        [LoggerMessage(3018, LogLevel.Warning,
            "Client {ClientName} closes its connection: the server sent nothing for {SilenceMilliseconds} ms",
            EventName = "ServerSilent")]
        public static partial void ServerSilent(ILogger logger, string clientName, long silenceMilliseconds);

        // Debug, because the exception that follows is logged as ConnectFailed or ReconnectFailed with this reason in it.
        [LoggerMessage(3019, LogLevel.Debug, "Client {ClientName} failed the TLS handshake with {Server}: {Reason}",
            EventName = "TlsHandshakeFailed")]
        public static partial void TlsHandshakeFailed(ILogger logger, string clientName, string server, string reason);

        [LoggerMessage(3020, LogLevel.Warning,
            "Event {EventId} on signal {Signal} was not delivered to consumer {Consumer}: {Reason} (drop {Count} of this client)",
            EventName = "EventNotDelivered")]
        public static partial void EventNotDelivered(
            ILogger logger, string signal, EventId eventId, string consumer, EventDropReason reason, long count);

        [LoggerMessage(3021, LogLevel.Warning,
            "Client {ClientName} closed with {Count} received events still queued for consumers after {CloseTimeoutMilliseconds:0} ms",
            EventName = "DeliveriesAbandoned")]
        public static partial void DeliveriesAbandoned(
            ILogger logger, string clientName, int count, double closeTimeoutMilliseconds);

        [LoggerMessage(3022, LogLevel.Debug, "Client {ClientName} failed reconnection attempt {Attempt}",
            EventName = "ReconnectFailureDetail")]
        public static partial void ReconnectFailureDetail(ILogger logger, Exception exception, string clientName, int attempt);

        [LoggerMessage(3023, LogLevel.Information,
            "Client {ClientName} resumed: the server replays {Replayed} events relayed while it was away",
            EventName = "Replaying")]
        public static partial void Replaying(ILogger logger, string clientName, long replayed);

        [LoggerMessage(3024, LogLevel.Warning,
            "Client {ClientName} resumed with a gap: the server replays {Replayed} events relayed while it was away, but no longer keeps some older ones it may have missed",
            EventName = "ReplayIncomplete")]
        public static partial void ReplayIncomplete(ILogger logger, string clientName, long replayed);

        // Next free id in this range: 3025.
    }
}
