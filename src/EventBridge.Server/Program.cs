using System.CommandLine;
using EventBridge.Server;

var root = new RootCommand("eventbridge: run an EventBridge server, send and watch events, and measure a server.")
{
    ServeCommand.Create(),
    EmitCommand.Create(),
    TailCommand.Create(),
    BenchCommand.Create(),
};

var parse = root.Parse(args);

// The commands handle SIGINT and SIGTERM themselves so that a shutdown can take longer than the parser's fixed
// two-second limit, after which it would end the process with status 130 or 143.
var exitCode = await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
return parse.Errors.Count > 0 ? ExitCodes.InvalidInput : exitCode;
