using EventBridge;

namespace Jobs;

public sealed class JobRequest
{
    public required string Name { get; init; }
    public required int Priority { get; set; }
    public int Retries { get; init; } = 3;
    public string Queue { get; init; } = "default";
    public string? Owner { get; set; }
}

public sealed record JobResult(string Name, bool Succeeded, int ExitCode = 0)
{
    public string? Output { get; init; }
}

public static class JobConsumers
{
    [Consumer("job_requested")]
    public static void OnRequested(JobRequest request)
    {
    }

    [Consumer("job_finished")]
    public static void OnFinished(JobResult result)
    {
    }
}
