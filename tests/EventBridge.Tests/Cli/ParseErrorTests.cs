namespace EventBridge.Tests.Cli;

/// <summary>Checks what the command prints for an invalid command line: errors and a hint on standard error only.</summary>
public sealed class ParseErrorTests
{
    [Theory]
    [InlineData("serve", "--max-frame-bytes", "0")]
    [InlineData("serve", "--bogus")]
    [InlineData("emit", "chat.message", "--bogus")]
    [InlineData("emit", "chat.message", "--count", "0")]
    [InlineData("tail", "--bogus")]
    [InlineData("tail", "--count", "x")]
    [InlineData("bench", "--bogus")]
    [InlineData("bench", "--events", "0")]
    public async Task InvalidOption_PrintsErrorAndHintOnly(params string[] arguments)
    {
        var (exitCode, process) = await CommandProcess.RunAsync(arguments);

        Assert.True(exitCode == 2, $"The command exited with {exitCode}.{process.Describe()}");
        Assert.Empty(process.OutputLines);
        var errors = process.ErrorLines.ToArray();
        Assert.Equal(2, errors.Length);
        Assert.Contains(arguments[^1], errors[0], StringComparison.Ordinal);
        Assert.Equal($"Run 'eventbridge {arguments[0]} --help' for the options.", errors[1]);
    }

    [Theory]
    [InlineData("emit")]
    [InlineData("emit", "--count", "3")]
    public async Task MissingArgument_NamesItWithUsage(params string[] arguments)
    {
        var (exitCode, process) = await CommandProcess.RunAsync(arguments);

        Assert.True(exitCode == 2, $"The command exited with {exitCode}.{process.Describe()}");
        Assert.Empty(process.OutputLines);
        Assert.Equal(
            ["Missing the <signal> argument. Usage: eventbridge emit <signal> [<kwargs-json>] [options]", "Run 'eventbridge emit --help' for the options."],
            process.ErrorLines);
    }

    [Fact]
    public async Task UnknownCommand_PointsToRootHelp()
    {
        var (exitCode, process) = await CommandProcess.RunAsync("bogus");

        Assert.Equal(2, exitCode);
        Assert.Empty(process.OutputLines);
        Assert.Equal("Run 'eventbridge --help' for the options.", process.ErrorLines.Last());
    }

    [Fact]
    public async Task Help_StillGoesToStandardOutput()
    {
        var (exitCode, process) = await CommandProcess.RunAsync("serve", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains(process.OutputLines, line => line.Contains("--max-frame-bytes", StringComparison.Ordinal));
    }
}
