using System.CommandLine;
using EventBridge.Server;

var root = new RootCommand("EventBridge: relays events between .NET processes over TCP.")
{
    ServeCommand.Create(),
};

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
