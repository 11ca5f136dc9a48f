using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EventBridge.Tests.Cli;

/// <summary>
/// The built <c>eventbridge</c> command running as a real process (<c>dotnet eventbridge.dll ...</c>), with its output
/// and error lines collected as they arrive.
/// </summary>
internal sealed class CommandProcess : IAsyncDisposable
{
    /// <summary>A generous bound for any wait in these tests; the machines that run them are shared and slow.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorsClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CommandProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public IReadOnlyCollection<string> OutputLines => _output;

    public IReadOnlyCollection<string> ErrorLines => _errors;

    public static CommandProcess Start(params string[] arguments) => Start(environment: null, arguments);

    /// <summary>Starts the command with extra environment variables, for secrets that must stay out of the arguments.</summary>
    public static CommandProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "eventbridge.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var command = new CommandProcess(process);
        process.OutputDataReceived += (_, line) => Collect(line.Data, command._output, command._outputClosed);
        process.ErrorDataReceived += (_, line) => Collect(line.Data, command._errors, command._errorsClosed);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return command;
    }

    /// <summary>Runs the command to its end and returns its exit code.</summary>
    public static async Task<(int ExitCode, CommandProcess Process)> RunAsync(params string[] arguments)
    {
        var command = Start(arguments);
        var exitCode = await command.WaitForExitAsync(Timeout);
        return (exitCode, command);
    }

    /// <summary>Starts <c>serve</c> on a free loopback port and returns once it prints the port it listens on.</summary>
    public static Task<(CommandProcess Process, int Port)> StartServerAsync(params string[] extraArguments) =>
        StartServerAsync(environment: null, extraArguments);

    /// <summary>Starts <c>serve</c> as <see cref="StartServerAsync(string[])"/> does, with extra environment variables.</summary>
    public static async Task<(CommandProcess Process, int Port)> StartServerAsync(
        IReadOnlyDictionary<string, string>? environment,
        params string[] extraArguments)
    {
        var server = Start(environment, ["serve", "--host", "127.0.0.1", "--port", "0", .. extraArguments]);
        var line = await server.WaitForOutputAsync(text => text.StartsWith("listening on ", StringComparison.Ordinal));
        var port = int.Parse(line[(line.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        return (server, port);
    }

    public Task<string> WaitForOutputAsync(Func<string, bool> match) => WaitForLineAsync(_output, match, "standard output");

    public Task<string> WaitForErrorAsync(Func<string, bool> match) => WaitForLineAsync(_errors, match, "standard error");

    /// <summary>Sends a POSIX signal with the system's <c>kill</c> command.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill")
        {
            ArgumentList = { "-" + signal, Id.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
        })!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the process to exit and for its output to be read to the end, and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            await Task.WhenAll(_outputClosed.Task, _errorsClosed.Task).WaitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The process did not exit within {timeout}.{Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>Returns the collected output and errors, for assertion messages.</summary>
    public string Describe() =>
        $"\nstandard output:\n{string.Join('\n', _output)}\nstandard error:\n{string.Join('\n', _errors)}";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static void Collect(string? line, ConcurrentQueue<string> lines, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
        }
        else
        {
            lines.Enqueue(line);
        }
    }

    private async Task<string> WaitForLineAsync(ConcurrentQueue<string> lines, Func<string, bool> match, string stream)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var found = lines.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"The expected line did not appear on {stream}.{Describe()}");
        return string.Empty;
    }
}
