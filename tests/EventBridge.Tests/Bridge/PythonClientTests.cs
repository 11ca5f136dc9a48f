using System.Diagnostics;
using System.Text;
using System.Text.Json;
using EventBridge.Tests.Tls;

namespace EventBridge.Tests.Bridge;

/// <summary>Runs python_client.py, a client written from docs/protocol.md, against a real server.</summary>
public sealed class PythonClientTests
{
    /// <summary>The text that python_client.py sends; the two must stay equal.</summary>
    private const string PythonText = "héllo 👋🏽 👩‍👩‍👧 漢字かな한국어 e\u0301 a\u0308\u0323";

    private const string DotNetText = "from .NET: 👋🏽 漢字 e\u0301";

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PythonClient_ExchangesEventsBothWays(bool tls)
    {
        var python = FindOnPath("python3");
        Skip.If(python is null, "python3 is not on PATH; this interoperability test needs a Python 3 interpreter.");

        // With TLS the Python client uses its standard ssl module, trusting only the test's CA.
        using var certificates = new TestCertificates();
        await using var server = await Bridge.StartServerAsync(new EventBridgeServerOptions
        {
            Tls = tls ? new EventBridgeServerTlsOptions(certificates.IssueServerCertificate("127.0.0.1")) : null,
        });
        await using var dotnet = await Bridge.ConnectAsync(
            server, "dotnet", options => options with { Tls = tls ? certificates.TrustingClientOptions : null });
        using var fromPython = new EventRecorder(dotnet.Bus, "from_python");

        var start = new ProcessStartInfo(python!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Bridge", "python_client.py"));
        start.ArgumentList.Add("127.0.0.1");
        start.ArgumentList.Add(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add("python");
        if (tls)
        {
            start.ArgumentList.Add(certificates.CaPemPath);
        }

        start.Environment["PYTHONIOENCODING"] = "utf-8";
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            var ready = await ReadLineAsync(process);
            Assert.Equal("ready", JsonDocument.Parse(ready).RootElement.GetProperty("type").GetString());

            // Python to .NET: a frame with only signal, args and kwargs.
            var message = (await fromPython.WaitForCountAsync(1))[0];
            Assert.True(message.IsRemote);
            Assert.Equal("python", message.Source!.Name);
            Assert.False(message.Id.IsEmpty);
            Assert.Null(message.Namespace);
            Assert.Equal(new ChatLine("python", PythonText), message.GetPayload(TestPayloads.ChatLine));
            var args = JsonDocument.Parse(message.GetArgsJson()).RootElement;
            Assert.Equal(2, args.GetArrayLength());
            Assert.Equal(1, args[0].GetInt32());
            Assert.Equal("two", args[1].GetString());

            // .NET to Python.
            dotnet.Bus.Emit("to_python", new ChatLine("dotnet", DotNetText));
            var frame = JsonDocument.Parse(await ReadLineAsync(process)).RootElement;
            Assert.Equal("to_python", frame.GetProperty("signal").GetString());
            Assert.Equal("dotnet", frame.GetProperty("source").GetProperty("name").GetString());
            Assert.Equal(DotNetText, frame.GetProperty("kwargs").GetProperty("text").GetString());
            Assert.Equal("dotnet", frame.GetProperty("kwargs").GetProperty("user").GetString());
            Assert.Equal(0, frame.GetProperty("args").GetArrayLength());
            Assert.False(string.IsNullOrEmpty(frame.GetProperty("id").GetString()));

            await process.WaitForExitAsync().WaitAsync(Bridge.Timeout);
            Assert.Equal(string.Empty, await errors);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static async Task<string> ReadLineAsync(Process process)
    {
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Bridge.Timeout);
        return line ?? throw new EndOfStreamException("python_client.py exited before printing the expected line.");
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
