using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(EventBridge.Benchmarks.EmitBenchmarks).Assembly).Run(args);
