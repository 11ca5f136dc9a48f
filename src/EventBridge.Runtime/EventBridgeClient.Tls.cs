using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EventBridge.Transport;

namespace EventBridge;

/// <summary>The TLS half of the client: the handshake and the validation of the server's certificate.</summary>
public sealed partial class EventBridgeClient
{
    /// <summary>
    /// Runs the TLS handshake on a new connection within the connect timeout. On failure the connection is disposed
    /// and the error names the cause and the option that fixes it.
    /// </summary>
    /// <param name="connection">The connection, before <see cref="FrameConnection.Start"/>.</param>
    /// <param name="tls">The client's TLS settings.</param>
    /// <param name="timeout">Fires when the connect timeout passes or <paramref name="cancellationToken"/> fires.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <exception cref="AuthenticationException">The handshake failed or the server's certificate is not valid.</exception>
    /// <exception cref="TimeoutException">The handshake did not finish within the connect timeout.</exception>
    private async Task AuthenticateTlsAsync(
        FrameConnection connection,
        EventBridgeClientTlsOptions tls,
        CancellationToken timeout,
        CancellationToken cancellationToken)
    {
        var targetHost = tls.TargetHost ?? _options.Host;
        var validation = new CertificateCheck();
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,

            // SslStream validates the chain and the host name itself. The callback only records the result, so that
            // the exception message can name the check that failed.
            RemoteCertificateValidationCallback = validation.Record,
        };
        if (tls.CaCertificates is { Count: > 0 } caCertificates)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            };
            policy.CustomTrustStore.AddRange(caCertificates);
            options.CertificateChainPolicy = policy;
        }

        try
        {
            await connection.AuthenticateAsClientAsync(options, timeout).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested
                || exception is not (AuthenticationException or IOException or OperationCanceledException))
            {
                throw;
            }

            var server = $"{_options.Host}:{_options.Port}";
            if (timeout.IsCancellationRequested)
            {
                var seconds = _options.ConnectTimeout.TotalSeconds;
                Log.TlsHandshakeFailed(_logger, _options.Name, server, $"timed out after {seconds:0.###} s");
                throw new TimeoutException(
                    $"The TLS handshake with the EventBridge server at {server} did not finish within {seconds:0.###} s. " +
                    "Check that the server has TLS turned on.", exception);
            }

            var reason = validation.Describe(targetHost, tls.CaCertificates is { Count: > 0 })
                ?? (exception is IOException
                    ? "the server closed the connection during the handshake, as a server without TLS does, and as a TLS " +
                      "server at its connection limit does; check that the server has a certificate, or connect without TLS"
                    : exception.Message);
            Log.TlsHandshakeFailed(_logger, _options.Name, server, reason);
            throw new AuthenticationException($"The TLS handshake with the EventBridge server at {server} failed: {reason}.", exception);
        }
    }

    /// <summary>The result of the certificate validation in one handshake.</summary>
    private sealed class CertificateCheck
    {
        private SslPolicyErrors _errors;
        private string _chainStatus = string.Empty;

        public bool Record(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            _errors = errors;
            if (chain is not null)
            {
                _chainStatus = string.Join(
                    "; ",
                    chain.ChainStatus.Select(status => $"{status.Status}: {status.StatusInformation.Trim()}"));
            }

            return errors == SslPolicyErrors.None;
        }

        /// <summary>Describes what was wrong with the server's certificate; null when the validation passed or never ran.</summary>
        public string? Describe(string targetHost, bool customCa)
        {
            if (_errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                return "the server sent no certificate";
            }

            var problems = new List<string>();
            if (_errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                problems.Add(
                    $"the server's certificate is not issued for '{targetHost}'; connect with a name or address that the " +
                    "certificate lists, or set EventBridgeClientTlsOptions.TargetHost to one");
            }

            if (_errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
            {
                var fix = customCa
                    ? "check that EventBridgeClientTlsOptions.CaCertificates holds the CA that signed the server's certificate"
                    : "if the server uses a private CA or a self-signed certificate, trust it with EventBridgeClientTlsOptions.CaCertificates";
                problems.Add($"the server's certificate is not trusted ({_chainStatus}); {fix}");
            }

            return problems.Count == 0 ? null : string.Join(", and ", problems);
        }
    }
}
