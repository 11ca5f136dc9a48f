using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EventBridge.Transport;

namespace EventBridge;

/// <summary>The TLS half of the server: the handshake of each new connection and the rejection of mismatched peers.</summary>
public sealed partial class EventBridgeServer
{
    /// <summary>
    /// The first byte of every TLS connection: the content type of a handshake record (RFC 8446, section 5.1). No JSON
    /// frame starts with it, so the server can tell a TLS client from a plain one by this byte alone.
    /// </summary>
    private const byte TlsHandshakeRecord = 0x16;

    /// <summary>How long the server waits for a rejected plain-text client to read its error frame and leave.</summary>
    private static readonly TimeSpan s_rejectionLinger = TimeSpan.FromSeconds(1);

    private long _tlsHandshakeFailures;

    /// <summary>
    /// The number of connections closed since the server started because their TLS handshake failed, timed out, or
    /// did not match the server: plain text sent to a TLS server, or a TLS handshake sent to a plain server.
    /// </summary>
    public long TlsHandshakeFailures => Interlocked.Read(ref _tlsHandshakeFailures);

    private static SslServerAuthenticationOptions? CreateTlsOptions(EventBridgeServerTlsOptions? tls)
    {
        if (tls is null)
        {
            return null;
        }

        return new SslServerAuthenticationOptions
        {
            // Built once, so that each handshake reuses the chain. With offline set, the chain is built from the given
            // certificates alone and no intermediate certificate is downloaded.
            ServerCertificateContext = SslStreamCertificateContext.Create(tls.Certificate, tls.IntermediateCertificates, offline: true),
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
    }

    private void LogTlsCertificate(EventBridgeServerTlsOptions tls)
    {
        var certificate = tls.Certificate;
        Log.TlsEnabled(_logger, certificate.Subject, certificate.Thumbprint, certificate.NotAfter.ToUniversalTime());
        var now = DateTime.Now;
        if (now > certificate.NotAfter || now < certificate.NotBefore)
        {
            Log.CertificateNotValidNow(
                _logger, certificate.Subject, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime());
        }
    }

    /// <summary>The time left of <see cref="EventBridgeServerOptions.HandshakeTimeout"/>, counted from the accept.</summary>
    private TimeSpan RemainingHandshakeTime(ClientSession session)
    {
        var elapsed = TimeSpan.FromMilliseconds(Environment.TickCount64 - session.AcceptedAt);
        var remaining = _options.HandshakeTimeout - elapsed;
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    /// <summary>
    /// Runs the TLS handshake of a new connection within what is left of the handshake timeout. Returns whether the
    /// connection may go on; when it may not, the failure is logged and counted, and the caller closes it.
    /// </summary>
    private async Task<bool> AuthenticateTlsAsync(ClientSession session)
    {
        var connection = session.Connection;
        var timeoutSeconds = _options.HandshakeTimeout.TotalSeconds;
        using var timeout = new CancellationTokenSource(RemainingHandshakeTime(session));
        try
        {
            var first = await connection.PeekFirstByteAsync(timeout.Token).ConfigureAwait(false);
            if (first < 0)
            {
                // A port probe or a health check connects and closes without sending anything.
                session.CloseReason = "closed before the TLS handshake";
                return false;
            }

            if (first != TlsHandshakeRecord)
            {
                await RejectPlainTextAsync(session).ConfigureAwait(false);
                return false;
            }

            await connection.AuthenticateAsServerAsync(_tlsOptions!, timeout.Token).ConfigureAwait(false);
            Log.TlsEstablished(_logger, session.Id, session.Address, connection.TlsProtocol?.ToString() ?? "unknown");
            return true;
        }
        catch (Exception exception) when (exception is OperationCanceledException or AuthenticationException or IOException
            or SocketException or ObjectDisposedException)
        {
            if (connection.Closing.IsCancellationRequested)
            {
                // The server is stopping, so this is not a client failure.
                session.CloseReason ??= "server stopping";
            }
            else if (timeout.IsCancellationRequested)
            {
                CountTlsFailure(session, $"the TLS handshake did not finish within {timeoutSeconds:0.###} s", exception: null);
            }
            else
            {
                CountTlsFailure(session, exception.Message, exception);
            }

            return false;
        }
    }

    private void CountTlsFailure(ClientSession session, string reason, Exception? exception)
    {
        session.CloseReason = "TLS handshake failed: " + reason;
        session.TlsFailed = true;
        var count = Interlocked.Increment(ref _tlsHandshakeFailures);
        if (count <= RejectionsLoggedInFull || count % 1000 == 0)
        {
            Log.TlsHandshakeFailed(_logger, exception, session.Id, session.Address, reason, count);
        }
    }

    /// <summary>Sends a plain-text <c>tls_required</c> error frame to a client that sent plain text, then closes the connection.</summary>
    private async Task RejectPlainTextAsync(ClientSession session)
    {
        session.CloseReason = "tls_required";
        session.TlsFailed = true;
        var count = Interlocked.Increment(ref _tlsHandshakeFailures);
        if (count <= RejectionsLoggedInFull || count % 1000 == 0)
        {
            Log.PlainTextOnTlsServer(_logger, session.Id, session.Address, count);
        }

        var buffer = new ArrayBufferWriter<byte>(200);
        FrameWriter.WriteError(
            buffer,
            "tls_required",
            "This server accepts only TLS connections; connect with TLS and trust the server's certificate or its CA.");
        await session.Connection.SendFinalAndCloseAsync(buffer.WrittenMemory, s_rejectionLinger).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks the first byte from a client of this plain server. A TLS client cannot read a plain-text error frame, so
    /// the connection is closed at once, and the client's handshake fails instead of waiting for a timeout.
    /// </summary>
    private bool AcceptPlainFirstByte(ClientSession session, byte first)
    {
        if (first != TlsHandshakeRecord)
        {
            return true;
        }

        session.CloseReason = "TLS handshake on a server without TLS";
        session.TlsFailed = true;
        var count = Interlocked.Increment(ref _tlsHandshakeFailures);
        if (count <= RejectionsLoggedInFull || count % 1000 == 0)
        {
            Log.TlsOnPlainServer(_logger, session.Id, session.Address, count);
        }

        return false;
    }
}
