using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EventBridge.Tests.Bridge;
using EventBridge.Tests.Hardening;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Tls;

/// <summary>TLS between real servers and clients on 127.0.0.1, with certificates from a CA that each test makes.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task PemCertificate_EventsFlowBothWays()
    {
        var (certificatePath, keyPath) = _certificates.WritePem("server", _certificates.IssueServerCertificate("localhost", "127.0.0.1"));
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions
        {
            Tls = EventBridgeServerTlsOptions.LoadPemFiles(certificatePath, keyPath),
            LoggerFactory = logs,
        });
        var trust = new EventBridgeClientTlsOptions { CaCertificates = EventBridgeClientTlsOptions.LoadCaCertificates(_certificates.CaPemPath) };
        await using var alice = await TestBridge.ConnectAsync(server, "alice", o => o with { Tls = trust });
        await using var bob = await TestBridge.ConnectAsync(server, "bob", o => o with { Host = "localhost", Tls = trust });
        using var atAlice = new EventRecorder(alice.Bus, "chat");
        using var atBob = new EventRecorder(bob.Bus, "chat");
        await TestBridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("chat", new ChatLine("alice", "to bob"));
        bob.Bus.Emit("chat", new ChatLine("bob", "to alice"));
        server.Bus.Emit("chat", new ChatLine("server", "to everyone"));

        var atBobEvents = await atBob.WaitForAsync(events => events.Count(e => e.IsRemote) == 2, "two remote events at bob");
        var atAliceEvents = await atAlice.WaitForAsync(events => events.Count(e => e.IsRemote) == 2, "two remote events at alice");
        Assert.Equal(
            ["server:to everyone", "alice:to bob"],
            atBobEvents.Where(e => e.IsRemote).Select(e => e.GetPayload(TestPayloads.ChatLine)).Select(l => $"{l.User}:{l.Text}").Order().Reverse());
        Assert.Equal(
            ["server:to everyone", "bob:to alice"],
            atAliceEvents.Where(e => e.IsRemote).Select(e => e.GetPayload(TestPayloads.ChatLine)).Select(l => $"{l.User}:{l.Text}").Order().Reverse());
        Assert.Equal(0, server.TlsHandshakeFailures);
        Assert.True(logs.Contains("TlsEnabled"));
    }

    [Fact]
    public async Task PfxWithPassword_Serves()
    {
        var path = _certificates.WritePfx("server", _certificates.IssueServerCertificate("127.0.0.1"));
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions
        {
            Tls = EventBridgeServerTlsOptions.LoadPfxFile(path, TestCertificates.PfxPassword),
        });
        await using var alice = await TestBridge.ConnectAsync(server, "alice", o => o with { Tls = _certificates.TrustingClientOptions });
        await using var bob = await TestBridge.ConnectAsync(server, "bob", o => o with { Tls = _certificates.TrustingClientOptions });
        using var atBob = new EventRecorder(bob.Bus, "chat");

        alice.Bus.Emit("chat", new ChatLine("alice", "over a pfx certificate"));

        var events = await atBob.WaitForCountAsync(1);
        Assert.Equal("over a pfx certificate", Assert.Single(events).GetPayload(TestPayloads.ChatLine).Text);
    }

    [Fact]
    public void CertificateFiles_BadInput_ClearErrors()
    {
        var certificate = _certificates.IssueServerCertificate("127.0.0.1");
        var pfx = _certificates.WritePfx("server", certificate);
        var (certificatePath, keyPath) = _certificates.WritePem("server", certificate);
        var (_, otherKeyPath) = _certificates.WritePem("other", _certificates.IssueServerCertificate("127.0.0.1"));

        Assert.ThrowsAny<CryptographicException>(() => EventBridgeServerTlsOptions.LoadPfxFile(pfx, "wrong-password"));
        var mismatch = Assert.ThrowsAny<CryptographicException>(() => EventBridgeServerTlsOptions.LoadPemFiles(certificatePath, otherKeyPath));
        Assert.Contains("does not belong to the certificate", mismatch.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => EventBridgeServerTlsOptions.LoadPfxFile(Path.Combine(_certificates.Folder, "missing.pfx"), null));
        Assert.ThrowsAny<IOException>(() => EventBridgeServerTlsOptions.LoadPemFiles(certificatePath, Path.Combine(_certificates.Folder, "missing.key")));
        var noKey = Assert.Throws<ArgumentException>(() => new EventBridgeServerTlsOptions(_certificates.Ca));
        Assert.Contains("no private key", noKey.Message, StringComparison.Ordinal);
        var notCa = Assert.ThrowsAny<CryptographicException>(() => EventBridgeClientTlsOptions.LoadCaCertificates(keyPath));
        Assert.Contains(keyPath, notCa.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntrustedCertificate_RejectedAndOthersServed()
    {
        var logs = new LogCollector();
        await using var server = await StartTlsServerAsync(_certificates.IssueServerCertificate("127.0.0.1"), logs);
        await using var bob = await TestBridge.ConnectAsync(server, "bob", o => o with { Tls = _certificates.TrustingClientOptions });
        using var atBob = new EventRecorder(bob.Bus, "chat");

        // Without the test CA the client trusts only the system's roots, which do not include a CA made by this test.
        var clientLogs = new LogCollector();
        var exception = await ConnectFailingAsync(server, new EventBridgeClientTlsOptions(), clientLogs);

        var authentication = Assert.IsType<AuthenticationException>(exception);
        Assert.Contains("is not trusted", authentication.Message, StringComparison.Ordinal);
        Assert.Contains("CaCertificates", authentication.Message, StringComparison.Ordinal);
        Assert.True(clientLogs.Contains("TlsHandshakeFailed"));

        // The server finished its side of the TLS 1.3 handshake before the client checked the certificate.
        await TestBridge.WaitUntilAsync(
            () => logs.Texts("ClientDisconnected").Any(text => text.Contains("after the TLS handshake", StringComparison.Ordinal)),
            "the server logs the client's close after the handshake");

        await using var alice = await TestBridge.ConnectAsync(server, "alice", o => o with { Tls = _certificates.TrustingClientOptions });
        alice.Bus.Emit("chat", new ChatLine("alice", "still served"));
        var events = await atBob.WaitForCountAsync(1);
        Assert.Equal("still served", Assert.Single(events).GetPayload(TestPayloads.ChatLine).Text);
    }

    [Fact]
    public async Task Untrusted_MessageNamesChainStatus()
    {
        // The status in the message is what the chain check of .NET on Linux (OpenSSL) reports for each certificate.
        var fromPrivateCa = _certificates.IssueServerCertificate("127.0.0.1");
        await using var privateCaServer = await StartTlsServerAsync(fromPrivateCa);
        await using var withCaServer = await TestBridge.StartServerAsync(new EventBridgeServerOptions
        {
            Tls = new EventBridgeServerTlsOptions(fromPrivateCa, [_certificates.Ca]),
        });
        await using var selfSignedServer = await StartTlsServerAsync(TestCertificates.CreateSelfSigned("127.0.0.1"));

        var privateCa = await ConnectFailingAsync(privateCaServer, new EventBridgeClientTlsOptions());
        var withCa = await ConnectFailingAsync(withCaServer, new EventBridgeClientTlsOptions());
        var selfSigned = await ConnectFailingAsync(selfSignedServer, new EventBridgeClientTlsOptions());

        Assert.Contains("is not trusted (PartialChain: ", privateCa.Message, StringComparison.Ordinal);

        // Giving the server its CA as an intermediate certificate does not change the status.
        Assert.Contains("is not trusted (PartialChain: ", withCa.Message, StringComparison.Ordinal);
        Assert.Contains("is not trusted (UntrustedRoot: ", selfSigned.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherCa_Rejected()
    {
        await using var server = await StartTlsServerAsync(_certificates.IssueServerCertificate("127.0.0.1"));
        using var otherCa = new TestCertificates();

        var exception = await ConnectFailingAsync(server, otherCa.TrustingClientOptions);

        var authentication = Assert.IsType<AuthenticationException>(exception);
        Assert.Contains("is not trusted", authentication.Message, StringComparison.Ordinal);
        Assert.Contains("holds the CA that signed", authentication.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongHostName_Rejected()
    {
        await using var server = await StartTlsServerAsync(_certificates.IssueServerCertificate("bridge.example"));

        // The certificate names bridge.example only; the client connects to 127.0.0.1 and checks that name.
        var exception = await ConnectFailingAsync(server, _certificates.TrustingClientOptions);

        var authentication = Assert.IsType<AuthenticationException>(exception);
        Assert.Contains("is not issued for '127.0.0.1'", authentication.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not trusted", authentication.Message, StringComparison.Ordinal);

        // Naming the certificate's host explicitly is accepted.
        await using var client = await TestBridge.ConnectAsync(
            server, "named", o => o with { Tls = _certificates.TrustingClientOptions with { TargetHost = "bridge.example" } });
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task IntermediateFromPemChain_Trusted()
    {
        var (leaf, intermediate) = _certificates.IssueThroughIntermediate("127.0.0.1");
        var (certificatePath, keyPath) = _certificates.WritePem("chain", leaf, intermediate);
        var tls = EventBridgeServerTlsOptions.LoadPemFiles(certificatePath, keyPath);
        Assert.Equal(intermediate.Thumbprint, Assert.Single(tls.IntermediateCertificates!).Thumbprint);
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { Tls = tls });

        // The client trusts only the root; the server sends the intermediate.
        await using var client = await TestBridge.ConnectAsync(server, "chained", o => o with { Tls = _certificates.TrustingClientOptions });
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task PlainClient_GetsTlsRequired()
    {
        var logs = new LogCollector();

        // Timeouts far above the time the rejection takes, so that a failure by timeout shows as the wrong exception.
        await using var server = await StartTlsServerAsync(
            _certificates.IssueServerCertificate("127.0.0.1"), logs, handshakeTimeout: TimeSpan.FromSeconds(60));
        await using var bob = await TestBridge.ConnectAsync(server, "bob", o => o with { Tls = _certificates.TrustingClientOptions });
        using var atBob = new EventRecorder(bob.Bus, "chat");

        var exception = await ConnectFailingAsync(server, tls: null);
        var authentication = Assert.IsType<AuthenticationException>(exception);
        Assert.Contains("only TLS connections", authentication.Message, StringComparison.Ordinal);

        // A client written from the protocol page reads the same error frame in plain text.
        await using var raw = await RawClient.ConnectAsync(server.Port);
        await raw.SendAsync("""{"type":"hello","name":"plain"}""" + "\n");
        var error = await raw.ReadFrameAsync(frame => RawClient.Type(frame) == "error");
        Assert.Equal("tls_required", error.GetProperty("code").GetString());
        await raw.WaitForCloseAsync();

        Assert.Equal(2, logs.Texts("PlainTextOnTlsServer").Count());
        Assert.Equal(2, server.TlsHandshakeFailures);
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 1, "only bob is left");
        await using var alice = await TestBridge.ConnectAsync(server, "alice", o => o with { Tls = _certificates.TrustingClientOptions });
        alice.Bus.Emit("chat", new ChatLine("alice", "after the plain clients"));
        Assert.Single(await atBob.WaitForCountAsync(1));
    }

    [Fact]
    public async Task SilentConnection_ClosedAfterHandshakeTimeout()
    {
        var logs = new LogCollector();
        await using var server = await StartTlsServerAsync(
            _certificates.IssueServerCertificate("127.0.0.1"), logs, handshakeTimeout: TimeSpan.FromSeconds(1));
        await using var bob = await TestBridge.ConnectAsync(server, "bob", o => o with { Tls = _certificates.TrustingClientOptions });

        // One connection sends nothing; the other starts a TLS record and stalls inside it.
        await using var silent = await RawClient.ConnectAsync(server.Port);
        await using var stalled = await RawClient.ConnectAsync(server.Port);
        await stalled.SendAsync([0x16, 0x03, 0x01, 0x02]);
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 3, "the server has three connections");

        await silent.WaitForCloseAsync();
        await stalled.WaitForCloseAsync();
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 1, "the stalled connections are removed");
        Assert.Equal(2, server.TlsHandshakeFailures);
        Assert.Equal(2, logs.Texts("TlsHandshakeFailed").Count(text => text.Contains("did not finish within 1 s", StringComparison.Ordinal)));
        Assert.True(bob.IsConnected);
    }

    [Fact]
    public async Task TlsClient_PlainServer_FailsClearly()
    {
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { LoggerFactory = logs });
        await using var bob = await TestBridge.ConnectAsync(server, "bob");
        using var atBob = new EventRecorder(bob.Bus, "chat");

        var exception = await ConnectFailingAsync(server, _certificates.TrustingClientOptions);

        var authentication = Assert.IsType<AuthenticationException>(exception);
        Assert.Contains("server without TLS", authentication.Message, StringComparison.Ordinal);
        await TestBridge.WaitUntilAsync(() => logs.Contains("TlsOnPlainServer"), "the server logs the TLS attempt");
        Assert.Equal(1, server.TlsHandshakeFailures);

        await using var alice = await TestBridge.ConnectAsync(server, "alice");
        alice.Bus.Emit("chat", new ChatLine("alice", "plain still works"));
        Assert.Single(await atBob.WaitForCountAsync(1));
    }

    [Fact]
    public async Task ConnectionLimit_TlsClientFailsClearly()
    {
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions
        {
            Tls = new EventBridgeServerTlsOptions(_certificates.IssueServerCertificate("127.0.0.1")),
            MaxConnections = 1,
            LoggerFactory = logs,
        });
        await using var first = await TestBridge.ConnectAsync(server, "first", o => o with { Tls = _certificates.TrustingClientOptions });

        var exception = await ConnectFailingAsync(server, _certificates.TrustingClientOptions);

        var authentication = Assert.IsType<AuthenticationException>(exception);
        Assert.Contains("connection limit", authentication.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.RejectedConnections);
        Assert.True(logs.Contains("ConnectionRejected"));
        Assert.True(first.IsConnected);
    }

    [Fact]
    public async Task TlsAndToken_ClientsExchangeEvents()
    {
        const string token = "tls-token-8c2e";
        await using var server = await StartTlsServerAsync(
            _certificates.IssueServerCertificate("127.0.0.1"), authToken: token);
        await using var alice = await TestBridge.ConnectAsync(
            server, "alice", o => o with { Tls = _certificates.TrustingClientOptions, AuthToken = token });
        await using var bob = await TestBridge.ConnectAsync(
            server, "bob", o => o with { Tls = _certificates.TrustingClientOptions, AuthToken = token });
        using var atBob = new EventRecorder(bob.Bus, "chat");

        alice.Bus.Emit("chat", new ChatLine("alice", "token over tls"));

        Assert.Equal("token over tls", Assert.Single(await atBob.WaitForCountAsync(1)).GetPayload(TestPayloads.ChatLine).Text);
        var wrongToken = await ConnectFailingAsync(
            server, _certificates.TrustingClientOptions, configure: o => o with { AuthToken = "wrong-token" });
        Assert.Contains("token", Assert.IsType<AuthenticationException>(wrongToken).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconnect_OverTls_ResumesDelivery()
    {
        var port = TestBridge.FreePort();
        var certificate = _certificates.IssueServerCertificate("127.0.0.1");
        var server = await StartTlsServerAsync(certificate, port: port);
        await using var alice = await TestBridge.ConnectAsync(server, "alice", o => o with { Tls = _certificates.TrustingClientOptions });
        await using var bob = await TestBridge.ConnectAsync(server, "bob", o => o with { Tls = _certificates.TrustingClientOptions });
        using var atBob = new EventRecorder(bob.Bus, "chat");
        await server.DisposeAsync();
        await TestBridge.WaitUntilAsync(() => !alice.IsConnected && !bob.IsConnected, "both clients notice the loss");

        await using var restarted = await StartTlsServerAsync(certificate, port: port);
        await TestBridge.WaitUntilAsync(() => alice.IsConnected && bob.IsConnected, "both clients reconnect over TLS");
        alice.Bus.Emit("chat", new ChatLine("alice", "after the restart"));

        Assert.Equal("after the restart", Assert.Single(await atBob.WaitForCountAsync(1)).GetPayload(TestPayloads.ChatLine).Text);
    }

    private static Task<EventBridgeServer> StartTlsServerAsync(
        X509Certificate2 certificate,
        LogCollector? logs = null,
        TimeSpan? handshakeTimeout = null,
        string? authToken = null,
        int port = 0) =>
        TestBridge.StartServerAsync(
            new EventBridgeServerOptions
            {
                Tls = new EventBridgeServerTlsOptions(certificate),
                LoggerFactory = logs,
                HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(30),
                AuthToken = authToken,
            },
            port);

    /// <summary>Connects a client that is expected to fail, with a connect timeout far above the failure's time, and returns its error.</summary>
    private static async Task<Exception> ConnectFailingAsync(
        EventBridgeServer server,
        EventBridgeClientTlsOptions? tls,
        LogCollector? logs = null,
        Func<EventBridgeClientOptions, EventBridgeClientOptions>? configure = null)
    {
        var options = new EventBridgeClientOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            Name = "failing",
            Tls = tls,
            ConnectTimeout = TimeSpan.FromSeconds(60),
            LoggerFactory = logs,
        };
        await using var client = new EventBridgeClient(new EventBus(), configure is null ? options : configure(options));
        var exception = await Record.ExceptionAsync(() => client.ConnectAsync());
        Assert.NotNull(exception);
        Assert.Equal(EventBridgeClientState.Disconnected, client.State);
        return exception;
    }
}
