using EventBridge.Samples.Demo;

// An interactive tour of the EventBridge bus and bridge. With "--script" or "auto", or when standard input is not a
// terminal, it runs every step once and exits 0 only if each step saw the deliveries it expected.
var scripted = args.Any(arg => arg is "--script" or "auto") || Console.IsInputRedirected;

await using var tour = new Tour();
await tour.StartAsync();
var steps = tour.Steps;

if (scripted)
{
    var failed = 0;
    foreach (var (title, run) in steps)
    {
        failed += await RunStepAsync(title, run) ? 0 : 1;
    }

    Console.WriteLine(failed == 0 ? "All steps passed." : $"{failed} steps failed.");
    return failed == 0 ? 0 : 1;
}

while (true)
{
    Console.WriteLine();
    for (var i = 0; i < steps.Count; i++)
    {
        Console.WriteLine($"  {i + 1}. {steps[i].Title}");
    }

    Console.WriteLine("  a. All steps    q. Quit");
    Console.Write("Choose: ");
    var choice = Console.ReadLine()?.Trim().ToLowerInvariant();
    if (choice is null or "q")
    {
        return 0;
    }

    if (choice == "a")
    {
        foreach (var (title, run) in steps)
        {
            await RunStepAsync(title, run);
        }
    }
    else if (int.TryParse(choice, out var number) && number >= 1 && number <= steps.Count)
    {
        await RunStepAsync(steps[number - 1].Title, steps[number - 1].Run);
    }
    else
    {
        Console.WriteLine($"'{choice}' is not a menu entry; type a number, a or q.");
    }
}

static async Task<bool> RunStepAsync(string title, Func<Task<bool>> run)
{
    Console.WriteLine();
    Console.WriteLine($"== {title}");
    var passed = await run();
    Console.WriteLine(passed ? "  OK" : "  FAILED: an expected delivery did not arrive.");
    return passed;
}
