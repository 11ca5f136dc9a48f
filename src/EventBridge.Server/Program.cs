using System.CommandLine;
using System.CommandLine.Invocation;
using EventBridge.Server;

var root = new RootCommand("eventbridge: run an EventBridge server, send and watch events, and measure a server.")
{
    ServeCommand.Create(),
    EmitCommand.Create(),
    TailCommand.Create(),
    BenchCommand.Create(),
};

var parse = root.Parse(args);

// The parser's own error action prints the whole help text on standard output, where scripts read the port from
// serve's 'listening on' line. A parse error instead gets the errors and a hint on standard error, and nothing else.
if (parse.Action is ParseErrorAction)
{
    await Console.Error.WriteAsync(ParseErrors.Describe(parse)).ConfigureAwait(false);
    return ExitCodes.InvalidInput;
}

// The commands handle SIGINT and SIGTERM themselves so that a shutdown can take longer than the parser's fixed
// two-second limit, after which it would end the process with status 130 or 143.
var exitCode = await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
return parse.Errors.Count > 0 ? ExitCodes.InvalidInput : exitCode;
