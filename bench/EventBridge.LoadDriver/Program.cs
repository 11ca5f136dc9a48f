using System.CommandLine;
using System.CommandLine.Invocation;
using EventBridge.LoadDriver;
using EventBridge.LoadDriver.Compare;

// Drives publishers and subscribers through one EventBridge server on 127.0.0.1 and reports delivered events per
// second, latency percentiles and CPU time per event, counting lost, duplicated and out-of-order events.
var publishers = new Option<int>("--publishers") { Description = "The number of publishing clients.", DefaultValueFactory = _ => 2 };
var subscribers = new Option<int>("--subscribers") { Description = "The number of subscribing clients.", DefaultValueFactory = _ => 2 };
var events = new Option<int>("--events") { Description = "The events each publisher sends.", DefaultValueFactory = _ => 20_000 };
var rate = new Option<double>("--rate")
{
    Description = "Events per second per publisher, sent open loop; 0 sends as fast as the connection takes them.",
    DefaultValueFactory = _ => 0,
};
var payloadBytes = new Option<int>("--payload-bytes") { Description = "The length of each event's padding string, in bytes.", DefaultValueFactory = _ => 64 };
var port = new Option<int>("--port")
{
    Description = "The port of a running server on 127.0.0.1; 0 starts a server inside the driver. With a port, CPU time counts only the driver's processes.",
    DefaultValueFactory = _ => 0,
};
var processes = new Option<bool>("--processes") { Description = "Run every client in a process of its own." };
var sampleAllocations = new Option<bool>("--sample-allocations")
{
    Description = "Count the runtime's allocation samples by type and print the top types; not with --processes.",
};
var index = new Option<int>("--index") { Description = "The worker's index among its role." };
var role = new Argument<string>("role") { Description = "publisher or subscriber" };

void RequireAtLeast<T>(Option<T> option, T minimum)
    where T : IComparable<T>
{
    option.Validators.Add(result =>
    {
        var value = result.GetValueOrDefault<T>();
        if (value.CompareTo(minimum) < 0)
        {
            result.AddError($"{option.Name} must be at least {minimum}, not {value}.");
        }
    });
}

RequireAtLeast(publishers, 1);
RequireAtLeast(subscribers, 1);
RequireAtLeast(events, 1);
RequireAtLeast(rate, 0);
RequireAtLeast(payloadBytes, 0);

Workload ReadWorkload(ParseResult parse) => new(
    parse.GetValue(publishers),
    parse.GetValue(subscribers),
    parse.GetValue(events),
    parse.GetValue(rate),
    parse.GetValue(payloadBytes));

var worker = new Command("worker", "Runs one client for a --processes run; started by the driver itself.")
{
    role, index, port, publishers, subscribers, events, rate, payloadBytes,
};
worker.Hidden = true;
worker.SetAction(parse => ProcessRun.RunWorkerAsync(parse.GetValue(role)!, parse.GetValue(index), ReadWorkload(parse), parse.GetValue(port)));

var root = new RootCommand("Load driver for the EventBridge TCP bridge.")
{
    publishers, subscribers, events, rate, payloadBytes, port, processes, sampleAllocations, worker,
    CompareCommands.CreateCompare(), CompareCommands.CreatePeerRun(),
};

// Worker processes take no allocation sampler, so the two options together would print no samples.
root.Validators.Add(result =>
{
    if (result.GetValue(processes) && result.GetValue(sampleAllocations))
    {
        result.AddError("--sample-allocations cannot be used with --processes, because worker processes take no samples.");
    }
});
root.SetAction(async parse =>
{
    var workload = ReadWorkload(parse);
    if (parse.GetValue(processes))
    {
        return await ProcessRun.RunAsync(workload, parse.GetValue(port));
    }

    using var sampler = parse.GetValue(sampleAllocations) ? new AllocationSampler() : null;
    var exitCode = await InProcessRun.RunAsync(workload, parse.GetValue(port));
    sampler?.Print(top: 20);
    return exitCode;
});

// An invalid command line gets its errors on standard error, one line each, and exit code 2, as the eventbridge
// command does. The parser's own error action would print the whole help text and exit 1.
var parseResult = root.Parse(args);
if (parseResult.Action is ParseErrorAction)
{
    foreach (var error in parseResult.Errors)
    {
        await Console.Error.WriteLineAsync(error.Message);
    }

    return 2;
}

return await parseResult.InvokeAsync();
