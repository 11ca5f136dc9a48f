Console.WriteLine("EventBridge.LoadDriver");
