using Microsoft.Extensions.Logging;

namespace EventBridge;

public sealed partial class EventBridgeServer
{
    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Information, "EventBridge server listening on {EndPoint}", EventName = "ServerStarted")]
        public static partial void Started(ILogger logger, string endPoint);

        [LoggerMessage(2002, LogLevel.Information, "EventBridge server stopped; {ClientCount} connections did not close in time",
            EventName = "ServerStopped")]
        public static partial void Stopped(ILogger logger, int clientCount);

        [LoggerMessage(2003, LogLevel.Information, "Client {SessionId} ({ClientName}) connected from {Address}",
            EventName = "ClientConnected")]
        public static partial void ClientConnected(ILogger logger, long sessionId, string clientName, string address);

        [LoggerMessage(2004, LogLevel.Debug, "Accepted connection {SessionId} from {Address}", EventName = "ConnectionAccepted")]
        public static partial void ConnectionAccepted(ILogger logger, long sessionId, string address);

        [LoggerMessage(2005, LogLevel.Information, "Client {SessionId} ({ClientName}) from {Address} disconnected: {Reason}",
            EventName = "ClientDisconnected")]
        public static partial void ClientDisconnected(ILogger logger, long sessionId, string clientName, string address, string reason);

        [LoggerMessage(2006, LogLevel.Warning,
            "Rejected a frame from client {SessionId} ({ClientName}): {Code}: {Reason} (rejection {Count} on this connection)",
            EventName = "FrameRejected")]
        public static partial void FrameRejected(
            ILogger logger, long sessionId, string clientName, string code, string reason, long count);

        [LoggerMessage(2007, LogLevel.Error, "Accepting a connection failed", EventName = "AcceptFailed")]
        public static partial void AcceptFailed(ILogger logger, Exception exception);

        [LoggerMessage(2008, LogLevel.Error, "The connection of client {SessionId} ({ClientName}) failed",
            EventName = "SessionFailed")]
        public static partial void SessionFailed(ILogger logger, Exception exception, long sessionId, string clientName);

        [LoggerMessage(2009, LogLevel.Information, "EventBridge server stopping; closing {ClientCount} connections",
            EventName = "ServerStopping")]
        public static partial void Stopping(ILogger logger, int clientCount);

        [LoggerMessage(2010, LogLevel.Error, "EventBridge server failed to listen on {Host}:{Port}", EventName = "StartFailed")]
        public static partial void StartFailed(ILogger logger, Exception exception, string host, int port);

        [LoggerMessage(2011, LogLevel.Warning,
            "Closing client {SessionId} ({ClientName}): {PendingBytes} bytes are waiting for it, over the limit of {MaxPendingBytes}",
            EventName = "SlowConsumer")]
        public static partial void SlowConsumer(
            ILogger logger, long sessionId, string clientName, long pendingBytes, long maxPendingBytes);

        [LoggerMessage(2012, LogLevel.Debug, "Dropped duplicate event {EventId} on signal {Signal} from {ClientName}",
            EventName = "DuplicateDropped")]
        public static partial void DuplicateDropped(ILogger logger, string signal, EventId eventId, string clientName);

        [LoggerMessage(2013, LogLevel.Debug, "Client {SessionId} ({ClientName}) said bye", EventName = "ClientSaidBye")]
        public static partial void ClientSaidBye(ILogger logger, long sessionId, string clientName);

        [LoggerMessage(2014, LogLevel.Warning, "Client {SessionId} ({ClientName}) reported an error: {Code}: {Reason}",
            EventName = "ClientReportedError")]
        public static partial void ClientReportedError(
            ILogger logger, long sessionId, string clientName, string code, string reason);

        [LoggerMessage(2015, LogLevel.Warning,
            "Closing client {SessionId} ({ClientName}): a write to it took longer than {TimeoutSeconds} s",
            EventName = "WriteTimedOut")]
        public static partial void WriteTimedOut(ILogger logger, long sessionId, string clientName, double timeoutSeconds);

        [LoggerMessage(2016, LogLevel.Warning,
            "Closing client {SessionId} ({ClientName}): it pings but has sent nothing for {SilenceMilliseconds} ms",
            EventName = "ClientIdle")]
        public static partial void ClientIdle(ILogger logger, long sessionId, string clientName, long silenceMilliseconds);

        [LoggerMessage(2017, LogLevel.Warning,
            "Rejected the connection from {Address}: the server already has {MaxConnections} connections (rejection {Count})",
            EventName = "ConnectionRejected")]
        public static partial void ConnectionRejected(ILogger logger, string address, int maxConnections, long count);

        [LoggerMessage(2018, LogLevel.Warning,
            "The server listens on {EndPoint}, beyond this machine, without authentication: any client that can reach it may publish and receive every event. Set a token.",
            EventName = "UnauthenticatedOnNetwork")]
        public static partial void UnauthenticatedOnNetwork(ILogger logger, string endPoint);

        [LoggerMessage(2019, LogLevel.Warning,
            "Closing connection {SessionId} from {Address}: {Code}: {Reason}", EventName = "AuthenticationFailed")]
        public static partial void AuthenticationFailed(ILogger logger, long sessionId, string address, string code, string reason);

        [LoggerMessage(2020, LogLevel.Information, "Client {SessionId} ({ClientName}) authenticated with token {TokenName}",
            EventName = "Authenticated")]
        public static partial void Authenticated(ILogger logger, long sessionId, string clientName, string tokenName);

        [LoggerMessage(2021, LogLevel.Warning,
            "Client {SessionId} ({ClientName}, token {TokenName}) may not publish {Signal} in namespace '{Namespace}'; the event was dropped",
            EventName = "PublishDenied")]
        public static partial void PublishDenied(
            ILogger logger, long sessionId, string clientName, string tokenName, string signal, string @namespace);

        [LoggerMessage(2022, LogLevel.Information,
            "TLS is on with certificate {Subject} (thumbprint {Thumbprint}), valid until {NotAfter:u}", EventName = "TlsEnabled")]
        public static partial void TlsEnabled(ILogger logger, string subject, string thumbprint, DateTime notAfter);

        [LoggerMessage(2023, LogLevel.Warning,
            "The TLS certificate {Subject} is not valid now: it is valid from {NotBefore:u} to {NotAfter:u}; clients will reject it",
            EventName = "CertificateNotValidNow")]
        public static partial void CertificateNotValidNow(ILogger logger, string subject, DateTime notBefore, DateTime notAfter);

        [LoggerMessage(2024, LogLevel.Debug, "Connection {SessionId} from {Address} finished its TLS handshake with {Protocol}",
            EventName = "TlsEstablished")]
        public static partial void TlsEstablished(ILogger logger, long sessionId, string address, string protocol);

        [LoggerMessage(2025, LogLevel.Warning,
            "Closing connection {SessionId} from {Address}: TLS handshake failed: {Reason} (TLS failure {Count} of this server)",
            EventName = "TlsHandshakeFailed")]
        public static partial void TlsHandshakeFailed(
            ILogger logger, Exception? exception, long sessionId, string address, string reason, long count);

        [LoggerMessage(2026, LogLevel.Warning,
            "Closing connection {SessionId} from {Address}: it sent plain text to this TLS server, which answered tls_required (TLS failure {Count} of this server)",
            EventName = "PlainTextOnTlsServer")]
        public static partial void PlainTextOnTlsServer(ILogger logger, long sessionId, string address, long count);

        [LoggerMessage(2027, LogLevel.Warning,
            "Closing connection {SessionId} from {Address}: it started a TLS handshake, but this server has no certificate; give the server one or connect without TLS (TLS failure {Count} of this server)",
            EventName = "TlsOnPlainServer")]
        public static partial void TlsOnPlainServer(ILogger logger, long sessionId, string address, long count);

        [LoggerMessage(2028, LogLevel.Information,
            "EventBridge server totals: {SlowConsumerDisconnects} slow consumers and {IdleDisconnects} idle clients disconnected, {RejectedConnections} connections rejected, {TlsHandshakeFailures} TLS handshakes failed, {SenderWaits} waits of senders for slow receivers",
            EventName = "ServerTotals")]
        public static partial void Totals(
            ILogger logger,
            long slowConsumerDisconnects,
            long idleDisconnects,
            long rejectedConnections,
            long tlsHandshakeFailures,
            long senderWaits);

        [LoggerMessage(2029, LogLevel.Information, "Client {SessionId} ({ClientName}) resumed: {Replayed} missed events replayed",
            EventName = "ClientResumed")]
        public static partial void ClientResumed(ILogger logger, long sessionId, string clientName, int replayed);

        [LoggerMessage(2030, LogLevel.Warning,
            "Client {SessionId} ({ClientName}) resumed with a gap: {Replayed} missed events replayed, but older ones it may have missed are no longer kept",
            EventName = "ClientResumedWithGap")]
        public static partial void ClientResumedWithGap(ILogger logger, long sessionId, string clientName, int replayed);

        [LoggerMessage(2031, LogLevel.Warning,
            "Client {SessionId} ({ClientName}) sent its hello after the {HelloWaitMilliseconds:0} ms wait, so its missed events were sent after newer ones",
            EventName = "LateResume")]
        public static partial void LateResume(ILogger logger, long sessionId, string clientName, double helloWaitMilliseconds);

        [LoggerMessage(2032, LogLevel.Information, "Loaded {Count} events for replay from {Path}, continuing run {Run}",
            EventName = "ReplayLoaded")]
        public static partial void ReplayLoaded(ILogger logger, int count, string path, string run);

        [LoggerMessage(2033, LogLevel.Information, "Saved {Count} events for replay to {Path}", EventName = "ReplaySaved")]
        public static partial void ReplaySaved(ILogger logger, int count, string path);

        [LoggerMessage(2034, LogLevel.Warning, "Replay file {Path} failed; the server starts a new run or keeps nothing across the restart",
            EventName = "ReplayFileFailed")]
        public static partial void ReplayFileFailed(ILogger logger, Exception exception, string path);

        [LoggerMessage(2035, LogLevel.Warning,
            "Connection {SessionId} from {Address} started sending its first frame, but the frame was not complete and handled within the {HandshakeTimeoutSeconds:0.###} s handshake timeout ({UnreadBytes} bytes still unread); it joins now and receives every event until a hello restricts that",
            EventName = "FirstFrameIncomplete")]
        public static partial void FirstFrameIncomplete(
            ILogger logger, long sessionId, string address, double handshakeTimeoutSeconds, int unreadBytes);

        // Next free id in this range: 2036.
    }
}
