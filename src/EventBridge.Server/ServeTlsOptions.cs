using System.CommandLine;
using System.Security.Cryptography;

namespace EventBridge.Server;

/// <summary>The <c>serve</c> command's TLS options: a certificate from PEM files or from a PFX file.</summary>
internal sealed class ServeTlsOptions
{
    /// <summary>The environment variable that contains the password of the <c>--tls-pfx</c> file.</summary>
    public const string PfxPasswordVariable = "EVENTBRIDGE_TLS_PFX_PASSWORD";

    private readonly Option<string?> _certificate = new("--tls-cert")
    {
        Description = "A PEM file with the server's TLS certificate, optionally followed by its intermediate certificates. " +
            "Needs --tls-key. With a certificate, every client must connect with TLS.",
        HelpName = "path",
    };

    private readonly Option<string?> _key = new("--tls-key")
    {
        Description = "A PEM file with the unencrypted private key of the --tls-cert certificate.",
        HelpName = "path",
    };

    private readonly Option<string?> _pfx = new("--tls-pfx")
    {
        Description = "A PKCS#12 (PFX) file with the server's TLS certificate and private key, in place of --tls-cert " +
            $"and --tls-key. Its password, if it has one, is read from the {PfxPasswordVariable} environment variable " +
            "(kept out of the process list).",
        HelpName = "path",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_certificate);
        command.Options.Add(_key);
        command.Options.Add(_pfx);
        command.Validators.Add(result =>
        {
            var certificate = result.GetValue(_certificate);
            var key = result.GetValue(_key);
            var pfx = result.GetValue(_pfx);
            if (pfx is not null && (certificate is not null || key is not null))
            {
                result.AddError("Use either --tls-pfx or --tls-cert with --tls-key, not both.");
            }
            else if (certificate is not null && key is null)
            {
                result.AddError("--tls-cert needs --tls-key, the PEM file with the certificate's private key.");
            }
            else if (key is not null && certificate is null)
            {
                result.AddError("--tls-key needs --tls-cert, the PEM file with the certificate.");
            }
        });
    }

    /// <summary>
    /// Loads the certificate that the options name. Returns false, with a message for the user, when a file cannot be
    /// read; <paramref name="tls"/> is null when no TLS option was given.
    /// </summary>
    public bool TryLoad(ParseResult parse, out EventBridgeServerTlsOptions? tls, out string error)
    {
        tls = null;
        error = string.Empty;
        var pfx = parse.GetValue(_pfx);
        var certificate = parse.GetValue(_certificate);
        var path = pfx ?? certificate;
        if (path is null)
        {
            return true;
        }

        try
        {
            tls = pfx is not null
                ? EventBridgeServerTlsOptions.LoadPfxFile(pfx, Environment.GetEnvironmentVariable(PfxPasswordVariable))
                : EventBridgeServerTlsOptions.LoadPemFiles(certificate!, parse.GetValue(_key)!);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            var hint = pfx is not null
                ? $" If the file has a password, set it in the {PfxPasswordVariable} environment variable."
                : string.Empty;
            error = $"Cannot load the TLS certificate from '{path}': {exception.Message}{hint}";
            return false;
        }
    }
}
