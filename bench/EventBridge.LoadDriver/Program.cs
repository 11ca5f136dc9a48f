using System.CommandLine;
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
    Description = "The port of a running server on 127.0.0.1; 0 starts a server inside the driver.",
    DefaultValueFactory = _ => 0,
};
var processes = new Option<bool>("--processes") { Description = "Run every client in a process of its own." };
var sampleAllocations = new Option<bool>("--sample-allocations")
{
    Description = "Count the runtime's allocation samples by type and print the top types (in-process runs only).",
};
var index = new Option<int>("--index") { Description = "The worker's index among its role." };
var role = new Argument<string>("role") { Description = "publisher or subscriber" };

Workload ReadWorkload(ParseResult parse)
{
    var workload = new Workload(
        parse.GetValue(publishers),
        parse.GetValue(subscribers),
        parse.GetValue(events),
        parse.GetValue(rate),
        parse.GetValue(payloadBytes));
    if (workload.Publishers < 1 || workload.Subscribers < 1 || workload.Events < 1 || workload.Rate < 0 || workload.PayloadBytes < 0)
    {
        throw new ArgumentException(
            "--publishers, --subscribers and --events must be at least 1; --rate and --payload-bytes must not be negative.");
    }

    return workload;
}

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

return await root.Parse(args).InvokeAsync();
