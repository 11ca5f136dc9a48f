using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EventBridge.Tests.Tls;

/// <summary>
/// A test CA, made fresh for each instance, that issues server certificates, and the files that the server and the
/// command line load them from. Nothing is added to any system certificate store.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    /// <summary>The password of every PFX file written by <see cref="WritePfx"/>.</summary>
    public const string PfxPassword = "pfx-password-5d1e";

    private static readonly Oid s_serverAuthentication = new("1.3.6.1.5.5.7.3.1");

    private readonly ECDsa _caKey;

    public TestCertificates()
    {
        Folder = Directory.CreateTempSubdirectory("eventbridge-tls-").FullName;
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Ca = CreateCa("CN=EventBridge Test CA", _caKey);
        CaPemPath = Path.Combine(Folder, "ca.pem");
        File.WriteAllText(CaPemPath, Ca.ExportCertificatePem());
    }

    /// <summary>The folder that contains the files; deleted by <see cref="Dispose"/>.</summary>
    public string Folder { get; }

    /// <summary>The CA certificate, without its key, as a client would trust it.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The CA certificate as a PEM file.</summary>
    public string CaPemPath { get; }

    /// <summary>Client TLS settings that trust this CA only.</summary>
    public EventBridgeClientTlsOptions TrustingClientOptions => new() { CaCertificates = [Ca] };

    /// <summary>
    /// Issues a server certificate signed by the CA for the given names. A name that parses as an IP address becomes an
    /// IP address entry, and every other name a DNS name entry.
    /// </summary>
    public X509Certificate2 IssueServerCertificate(params string[] names) => Issue(names, Ca, _caKey, validFor: TimeSpan.FromDays(1));

    /// <summary>
    /// Issues an intermediate CA signed by the CA, and a server certificate signed by that intermediate for
    /// <paramref name="names"/>.
    /// </summary>
    public (X509Certificate2 Server, X509Certificate2 Intermediate) IssueThroughIntermediate(params string[] names)
    {
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=EventBridge Test Intermediate", intermediateKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var signed = request.Create(Ca.CopyWithPrivateKey(_caKey), now.AddMinutes(-5), now.AddDays(1), NewSerialNumber());
        var intermediate = signed.CopyWithPrivateKey(intermediateKey);
        var server = Issue(names, intermediate, intermediateKey, validFor: TimeSpan.FromDays(1));
        return (server, X509CertificateLoader.LoadCertificate(intermediate.RawData));
    }

    /// <summary>
    /// Writes <paramref name="certificate"/> and its key as PEM files, the certificate followed by
    /// <paramref name="chain"/>, and returns their paths.
    /// </summary>
    public (string CertificatePath, string KeyPath) WritePem(string name, X509Certificate2 certificate, params X509Certificate2[] chain)
    {
        var certificatePath = Path.Combine(Folder, name + ".pem");
        var keyPath = Path.Combine(Folder, name + ".key");
        File.WriteAllText(certificatePath, string.Concat(new[] { certificate }.Concat(chain).Select(c => c.ExportCertificatePem() + "\n")));
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <summary>Writes <paramref name="certificate"/> and its key as a PFX file protected by <see cref="PfxPassword"/>.</summary>
    public string WritePfx(string name, X509Certificate2 certificate)
    {
        var path = Path.Combine(Folder, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, PfxPassword));
        return path;
    }

    public void Dispose()
    {
        _caKey.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    private static X509Certificate2 CreateCa(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var withKey = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        return X509CertificateLoader.LoadCertificate(withKey.RawData);
    }

    /// <summary>Creates a self-signed server certificate for <paramref name="names"/>, as <c>openssl req -x509</c> does.</summary>
    public static X509Certificate2 CreateSelfSigned(params string[] names)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CreateServerRequest(names, key);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    private static X509Certificate2 Issue(string[] names, X509Certificate2 issuer, ECDsa issuerKey, TimeSpan validFor)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CreateServerRequest(names, key);
        var now = DateTimeOffset.UtcNow;
        var generator = X509SignatureGenerator.CreateForECDsa(issuerKey);
        using var issued = request.Create(issuer.SubjectName, generator, now.AddMinutes(-5), now + validFor, NewSerialNumber());
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Returns a request for a server certificate whose subject alternative names are <paramref name="names"/>.</summary>
    private static CertificateRequest CreateServerRequest(string[] names, ECDsa key)
    {
        var request = new CertificateRequest("CN=" + names[0], key, HashAlgorithmName.SHA256);
        var alternativeNames = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                alternativeNames.AddIpAddress(address);
            }
            else
            {
                alternativeNames.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(alternativeNames.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([s_serverAuthentication], false));
        return request;
    }

    private static byte[] NewSerialNumber()
    {
        var serial = new byte[12];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        return serial;
    }
}
