using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text;

namespace EventBridge.Server;

/// <summary>The text that a command line with parse errors gets on standard error.</summary>
internal static class ParseErrors
{
    /// <summary>
    /// Returns each distinct error on its own line, then a line that names the <c>--help</c> of the command that was
    /// being parsed.
    /// </summary>
    public static string Describe(ParseResult parse)
    {
        var text = new StringBuilder();
        foreach (var message in parse.Errors.Select(Rephrase).Distinct(StringComparer.Ordinal))
        {
            text.AppendLine(message);
        }

        text.AppendLine($"Run '{CommandPath(parse.CommandResult)} --help' for the options.");
        return text.ToString();
    }

    /// <summary>
    /// Returns the error's message, or for a missing argument a message with its name and the command's usage, such as
    /// <c>eventbridge emit &lt;signal&gt;</c>: the parser's own message, "Required argument missing for command:
    /// 'emit'", names neither.
    /// </summary>
    private static string Rephrase(ParseError error)
    {
        if (error.SymbolResult is ArgumentResult { Argument: var missing, Tokens.Count: 0, Parent: CommandResult { Command: var command } result }
            && missing.Arity.MinimumNumberOfValues > 0)
        {
            var usage = string.Join(' ', command.Arguments.Select(argument => argument.Arity.MinimumNumberOfValues > 0 ? $"<{argument.Name}>" : $"[<{argument.Name}>]"));
            return $"Missing the <{missing.Name}> argument. Usage: {CommandPath(result)} {usage} [options]";
        }

        return error.Message;
    }

    /// <summary>Returns the command's full name, such as <c>eventbridge serve</c>.</summary>
    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is not null; result = result.Parent)
        {
            if (result is CommandResult { Command: var current })
            {
                names.Add(current is RootCommand ? "eventbridge" : current.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
