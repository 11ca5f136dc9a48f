using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "loop")
{
    return EventBridge.Benchmarks.LoopTimer.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(EventBridge.Benchmarks.EmitBenchmarks).Assembly).Run(args);
return 0;
