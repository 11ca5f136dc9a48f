using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EventBridge;

/// <summary>
/// How an <see cref="EventBridgeClient"/> connects with TLS and checks the server's certificate; set it as
/// <see cref="EventBridgeClientOptions.Tls"/>.
/// </summary>
/// <remarks>
/// The client always validates the server's certificate: the chain must end at a trusted root, and the certificate
/// must be issued for <see cref="TargetHost"/> (a DNS name, or an IP address in its subject alternative names). A
/// server that fails either check is disconnected before the client sends anything, and
/// <see cref="EventBridgeClient.ConnectAsync"/> throws <see cref="System.Security.Authentication.AuthenticationException"/>.
/// Revocation is not checked, as is the default of <see cref="System.Net.Security.SslStream"/>.
/// </remarks>
public sealed record EventBridgeClientTlsOptions
{
    /// <summary>
    /// The CA certificates this client trusts, in place of the system's trusted roots; for a server whose certificate
    /// comes from a private CA, or a self-signed server certificate. Default: null, so the system's trusted roots are
    /// used. The set applies to this client only and changes no system store; the client downloads no missing
    /// intermediate certificates when it is set. See <see cref="LoadCaCertificates"/>.
    /// </summary>
    public X509Certificate2Collection? CaCertificates { get; init; }

    /// <summary>
    /// The name the server's certificate must be issued for, also sent as the TLS server name (SNI). Default: null,
    /// so <see cref="EventBridgeClientOptions.Host"/> is used. Set it when connecting by an address or an alias that
    /// the certificate does not name.
    /// </summary>
    public string? TargetHost { get; init; }

    /// <summary>Loads CA certificates from a PEM file (one or more certificates) or a DER file (one certificate).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CryptographicException">
    /// The file is not a PEM or DER certificate, or contains no certificate. The message names the file.
    /// </exception>
    public static X509Certificate2Collection LoadCaCertificates(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = File.ReadAllBytes(path);
        var certificates = new X509Certificate2Collection();
        try
        {
            if (bytes.AsSpan().IndexOf("-----BEGIN"u8) >= 0)
            {
                certificates.ImportFromPemFile(path);
            }
            else
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(bytes));
            }
        }
        catch (CryptographicException exception)
        {
            // The decoder's own message, such as "ASN1 corrupted data.", names neither the file nor what was expected.
            throw new CryptographicException(
                $"The CA certificate file '{path}' is not a PEM or DER certificate: {exception.Message}", exception);
        }

        if (certificates.Count == 0)
        {
            throw new CryptographicException($"The CA certificate file '{path}' contains no PEM certificate (no '-----BEGIN CERTIFICATE-----' block).");
        }

        return certificates;
    }
}
