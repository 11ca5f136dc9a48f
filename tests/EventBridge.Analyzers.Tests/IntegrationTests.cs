using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace EventBridge.Analyzers.Tests;

/// <summary>
/// Builds a small project on disk that references the runtime, the generator and the analyzers the way a user's
/// project does, and checks that <c>dotnet build</c> reports a bad payload with its file and line.
/// </summary>
[Trait("Category", "Integration")]
public sealed class IntegrationTests : IDisposable
{
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(5);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "eventbridge-analyzers-" + Guid.NewGuid().ToString("N"));

    public IntegrationTests()
    {
        Directory.CreateDirectory(_directory);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file for a moment; the folder is in the temp directory either way.
        }
    }

    [Fact]
    public async Task DotnetBuild_BadPayload_ReportsIdFileAndLine()
    {
        var repository = FindRepositoryRoot();
        var configuration = typeof(IntegrationTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

        // Empty files here stop MSBuild from importing any Directory.Build.* found above the temp folder.
        await File.WriteAllTextAsync(Path.Combine(_directory, "Directory.Build.props"), "<Project />\n");
        await File.WriteAllTextAsync(Path.Combine(_directory, "Directory.Build.targets"), "<Project />\n");
        await File.WriteAllTextAsync(Path.Combine(_directory, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{repository}/src/EventBridge.Runtime/EventBridge.Runtime.csproj" />
                <ProjectReference Include="{repository}/src/EventBridge.Generators/EventBridge.Generators.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                <ProjectReference Include="{repository}/src/EventBridge.Analyzers/EventBridge.Analyzers.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(_directory, "Orders.cs"), """
            using EventBridge;

            namespace Shop;

            public sealed record Customer(string Name, Action Callback);

            public sealed record Order(int Id, Customer Customer);

            public static class OrderHandlers
            {
                [Consumer("order_placed")]
                public static void OnOrderPlaced(Order order) { }

                [Consumer("ping")]
                public static void OnPing(string text) { }
            }
            """);

        var (exitCode, output) = await RunDotnetAsync(
            _directory,
            "build", "--nologo", "-c", configuration, "-nodeReuse:false", "-p:UseSharedCompilation=false",
            "-p:BuildProjectReferences=false", "-p:TreatWarningsAsErrors=false");

        // EB1001 is an error, so the build fails; the parameter 'order' is on line 12, column 44.
        Assert.NotEqual(0, exitCode);
        var pattern = new Regex(@"Orders\.cs\(12,44\): error EB1001: Consumer 'Shop\.OrderHandlers\.OnOrderPlaced' is not wired, because its parameter 'order' of type 'Shop\.Order' cannot be serialized: at 'Order\.Customer\.Callback'");
        Assert.True(pattern.IsMatch(output), output);
        Assert.DoesNotContain("AD0001", output, StringComparison.Ordinal);
        Assert.DoesNotContain("CS8785", output, StringComparison.Ordinal);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EventBridge.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("EventBridge.sln was not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int ExitCode, string Output)> RunDotnetAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_buildTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish within {s_buildTimeout}");
        }

        output.Append(await standardOutput).Append(await standardError);
        return (process.ExitCode, output.ToString());
    }
}
