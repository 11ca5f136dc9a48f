using System.CommandLine;
using System.Text.RegularExpressions;
using EventBridge.Server;

namespace EventBridge.Tests.Cli;

/// <summary>Checks that every numeric option of every command words its errors the same way.</summary>
public sealed partial class ValidationTests
{
    public static TheoryData<string, string, string> InvalidValues()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var command in Commands())
        {
            foreach (var option in command.Options.Where(IsNumeric))
            {
                foreach (var value in new[] { "x", "-5", "1e300" })
                {
                    data.Add(command.Name, option.Name, value);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void NumericOption_InvalidValue_SameWording(string commandName, string optionName, string value)
    {
        var command = Commands().Single(candidate => candidate.Name == commandName);
        string[] arguments = commandName == "emit" ? ["chat.message", $"{optionName}={value}"] : [$"{optionName}={value}"];

        var errors = command.Parse(arguments).Errors.Select(error => error.Message).ToArray();

        var error = Assert.Single(errors);
        Assert.Matches(ExpectedWording(), error);
        Assert.StartsWith($"Invalid value '{value}' for {optionName}: expected ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--port", "x")]
    [InlineData("--port", "70000")]
    public void WholeNumber_TextAndRange_SameMessage(string optionName, string value)
    {
        var errors = EmitCommand.Create().Parse(["chat.message", $"{optionName}={value}"]).Errors;

        var error = Assert.Single(errors);
        Assert.Equal($"Invalid value '{value}' for {optionName}: expected a whole number from 1 to 65535.", error.Message);
    }

    private static Command[] Commands() =>
        [ServeCommand.Create(), EmitCommand.Create(), TailCommand.Create(), BenchCommand.Create()];

    private static bool IsNumeric(Option option) =>
        option.ValueType == typeof(int) || option.ValueType == typeof(int?) || option.ValueType == typeof(long)
        || option.ValueType == typeof(double);

    [GeneratedRegex(@"^Invalid value '[^']*' for --[a-z-]+: expected [^.]+(\.[0-9]+[^.]*)*\.$")]
    private static partial Regex ExpectedWording();
}
