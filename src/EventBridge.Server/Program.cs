Console.WriteLine("eventbridge");
