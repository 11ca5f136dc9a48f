using EventBridge;

public sealed record Ping(long Sequence);

public enum Health
{
    Up,
    Down,
}

public static class PingConsumers
{
    [Consumer("ping")]
    public static void OnPing(Ping ping)
    {
    }
}

public partial class Monitor
{
    [Consumer("health")]
    public void OnHealth(Health health)
    {
    }
}
