using System.Globalization;
using System.Text.Json;
using EventBridge.Server;
using EventBridge.Tests.Tls;

namespace EventBridge.Tests.Cli;

/// <summary>Runs <c>serve</c> with a TLS certificate, and <c>emit</c> and <c>tail</c> against it, as real processes.</summary>
public sealed class TlsCommandTests : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task ServePem_EmitReachesTailOverTls()
    {
        var (certificatePath, keyPath) = _certificates.WritePem("server", _certificates.IssueServerCertificate("localhost", "127.0.0.1"));
        var (server, port) = await CommandProcess.StartServerAsync("--tls-cert", certificatePath, "--tls-key", keyPath);
        await using var serverProcess = server;
        await server.WaitForErrorAsync(line => line.Contains("TLS is on with certificate CN=localhost", StringComparison.Ordinal));
        var tail = CommandProcess.Start(
            "tail", "secure.*", "--port", Port(port), "--tls-ca", _certificates.CaPemPath, "--format", "json", "--count", "1",
            "--log-level", "information");
        await using var tailProcess = tail;
        await tail.WaitForErrorAsync(line => line.Contains("Printing events", StringComparison.Ordinal));

        var (emitted, emit) = await CommandProcess.RunAsync(
            "emit", "secure.message", "{\"text\": \"over tls\"}", "--host", "localhost", "--port", Port(port),
            "--tls-ca", _certificates.CaPemPath);

        Assert.True(emitted == 0, $"emit exited with {emitted}.{emit.Describe()}");
        Assert.Equal(0, await tail.WaitForExitAsync(CommandProcess.Timeout));
        using var json = JsonDocument.Parse(Assert.Single(tail.OutputLines));
        Assert.Equal("secure.message", json.RootElement.GetProperty("signal").GetString());
        Assert.Equal("over tls", json.RootElement.GetProperty("kwargs").GetProperty("text").GetString());
    }

    [Fact]
    public async Task ServePfx_PasswordFromEnvironment()
    {
        var pfx = _certificates.WritePfx("server", _certificates.IssueServerCertificate("127.0.0.1"));
        var environment = new Dictionary<string, string> { [ServeTlsOptions.PfxPasswordVariable] = TestCertificates.PfxPassword };
        var (server, port) = await CommandProcess.StartServerAsync(environment, "--tls-pfx", pfx, "--log-level", "debug");
        await using var serverProcess = server;

        var (emitted, emit) = await CommandProcess.RunAsync(
            "emit", "secure.message", "--port", Port(port), "--tls-ca", _certificates.CaPemPath);

        Assert.True(emitted == 0, $"emit exited with {emitted}.{emit.Describe()}");
        await server.WaitForErrorAsync(line => line.Contains("finished its TLS handshake", StringComparison.Ordinal));
        Assert.DoesNotContain(server.ErrorLines, line => line.Contains(TestCertificates.PfxPassword, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Emit_UntrustedOrPlain_ExitsOneWithHint()
    {
        var (certificatePath, keyPath) = _certificates.WritePem("server", _certificates.IssueServerCertificate("127.0.0.1"));
        var (server, port) = await CommandProcess.StartServerAsync("--tls-cert", certificatePath, "--tls-key", keyPath);
        await using var serverProcess = server;

        var (untrusted, untrustedEmit) = await CommandProcess.RunAsync("emit", "secure.message", "--port", Port(port), "--tls");
        Assert.True(untrusted == 1, $"emit exited with {untrusted}.{untrustedEmit.Describe()}");
        Assert.Contains(untrustedEmit.ErrorLines, line => line.Contains("is not trusted", StringComparison.Ordinal)
            && line.Contains("--tls-ca", StringComparison.Ordinal));

        var (plain, plainEmit) = await CommandProcess.RunAsync("emit", "secure.message", "--port", Port(port));
        Assert.True(plain == 1, $"emit exited with {plain}.{plainEmit.Describe()}");
        Assert.Contains(plainEmit.ErrorLines, line => line.Contains("only TLS connections", StringComparison.Ordinal)
            && line.Contains("pass --tls", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TlsOptionErrors_ExitTwo()
    {
        var certificate = _certificates.IssueServerCertificate("127.0.0.1");
        var (certificatePath, _) = _certificates.WritePem("server", certificate);
        var pfx = _certificates.WritePfx("server", certificate);

        var (noKey, noKeyServe) = await CommandProcess.RunAsync("serve", "--port", "0", "--tls-cert", certificatePath);
        Assert.Equal(2, noKey);
        Assert.Contains(noKeyServe.ErrorLines, line => line.Contains("--tls-cert needs --tls-key", StringComparison.Ordinal));

        var (wrongPassword, wrongPasswordServe) = await CommandProcess.RunAsync("serve", "--port", "0", "--tls-pfx", pfx);
        Assert.Equal(2, wrongPassword);
        Assert.Contains(wrongPasswordServe.ErrorLines, line => line.Contains("Cannot load the TLS certificate", StringComparison.Ordinal)
            && line.Contains(ServeTlsOptions.PfxPasswordVariable, StringComparison.Ordinal));

        var missing = Path.Combine(_certificates.Folder, "missing-ca.pem");
        var (noCa, noCaEmit) = await CommandProcess.RunAsync("emit", "secure.message", "--port", "1", "--tls-ca", missing);
        Assert.Equal(2, noCa);
        Assert.Contains(noCaEmit.ErrorLines, line => line.Contains("Cannot read the CA certificate file", StringComparison.Ordinal));
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
