using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EventBridge;

/// <summary>
/// The certificate with which an <see cref="EventBridgeServer"/> accepts TLS connections; set it as
/// <see cref="EventBridgeServerOptions.Tls"/>.
/// </summary>
public sealed record EventBridgeServerTlsOptions
{
    /// <summary>Creates TLS settings for <paramref name="certificate"/>.</summary>
    /// <param name="certificate">The server's certificate; it must have its private key.</param>
    /// <param name="intermediateCertificates">
    /// The certificates between <paramref name="certificate"/> and its root CA, sent to clients with it; null when the
    /// certificate is signed by the root directly.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="certificate"/> has no private key.</exception>
    public EventBridgeServerTlsOptions(X509Certificate2 certificate, X509Certificate2Collection? intermediateCertificates = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException(
                $"The TLS certificate '{certificate.Subject}' has no private key; a server needs the key to prove it owns the certificate.",
                nameof(certificate));
        }

        Certificate = certificate;
        IntermediateCertificates = intermediateCertificates;
    }

    /// <summary>The server's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// The certificates between <see cref="Certificate"/> and its root CA, which the server sends with it so that
    /// clients can build the chain; null for none. The server does not download missing ones.
    /// </summary>
    public X509Certificate2Collection? IntermediateCertificates { get; }

    /// <summary>
    /// Loads a certificate and its private key from PEM files. Certificates after the first one in
    /// <paramref name="certificatePath"/> are taken as its intermediate certificates, in the order of a usual
    /// <c>fullchain.pem</c>.
    /// </summary>
    /// <param name="certificatePath">A PEM file that starts with the server's certificate.</param>
    /// <param name="keyPath">A PEM file with the certificate's unencrypted private key (PKCS#8, PKCS#1 or SEC1).</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="CryptographicException">A file has no PEM certificate or key, or the key does not match the certificate.</exception>
    public static EventBridgeServerTlsOptions LoadPemFiles(string certificatePath, string keyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (ArgumentException exception)
        {
            throw new CryptographicException(
                $"The private key in '{keyPath}' does not belong to the certificate in '{certificatePath}'.", exception);
        }

        // A PEM key loads as a key that lives only in memory. Windows' TLS stack (SChannel) cannot use such a key for a
        // server, so a PKCS#12 round trip gives it one it accepts (https://github.com/dotnet/runtime/issues/74093).
        // OpenSSL on Linux uses the key as it is, as the tests show with .NET 10.0.12.
        // NOTE: macOS was not checked.
        if (OperatingSystem.IsWindows())
        {
            using var inMemory = certificate;
            certificate = X509CertificateLoader.LoadPkcs12(inMemory.Export(X509ContentType.Pkcs12), password: null);
        }

        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certificatePath);
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            intermediates.Add(all[i]);
        }

        all[0].Dispose();
        return new EventBridgeServerTlsOptions(certificate, intermediates.Count > 0 ? intermediates : null);
    }

    /// <summary>
    /// Loads a certificate, its private key and any intermediate certificates from a PKCS#12 (PFX) file. The
    /// certificate is the first one in the file that has a private key; the others are taken as intermediates.
    /// </summary>
    /// <param name="path">The PFX file.</param>
    /// <param name="password">The file's password; null or empty for a file without one.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CryptographicException">The file is not PKCS#12, the password is wrong, or no certificate in it has a private key.</exception>
    public static EventBridgeServerTlsOptions LoadPfxFile(string path, string? password)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The PFX file '{path}' does not exist.", path);
        }

        var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password);
        X509Certificate2? certificate = null;
        var intermediates = new X509Certificate2Collection();
        foreach (var item in all)
        {
            if (certificate is null && item.HasPrivateKey)
            {
                certificate = item;
            }
            else
            {
                intermediates.Add(item);
            }
        }

        if (certificate is null)
        {
            throw new CryptographicException($"The PFX file '{path}' has no certificate with a private key.");
        }

        return new EventBridgeServerTlsOptions(certificate, intermediates.Count > 0 ? intermediates : null);
    }
}
