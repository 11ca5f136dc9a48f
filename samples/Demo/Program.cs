Console.WriteLine("Demo");
