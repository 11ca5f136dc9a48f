Console.WriteLine("EventBridge.Benchmarks");
