namespace EventBridge.LoadDriver.Compare;

/// <summary>What a scenario measures.</summary>
internal enum ScenarioKind
{
    /// <summary>Delivered events per second with publishers sending as fast as flow control allows.</summary>
    Throughput,

    /// <summary>Latency with an open-loop publisher at half of the slowest system's saturation rate.</summary>
    Latency,

    /// <summary>Latency of a low-rate 1 to 1 flow while many other connections are open.</summary>
    Connections,
}

/// <summary>One row of the comparison: a shape of publishers, subscribers, payload and idle connections.</summary>
internal sealed record Scenario(ScenarioKind Kind, int Publishers, int Subscribers, int PayloadBytes, int IdleConnections = 0)
{
    /// <summary>The total rate of a <see cref="ScenarioKind.Connections"/> run, in events per second.</summary>
    public const double ConnectionsRate = 100;

    public string Shape => $"{Publishers}→{Subscribers}";

    public string Payload => PayloadBytes >= 1024 && PayloadBytes % 1024 == 0 ? $"{PayloadBytes / 1024} KiB" : $"{PayloadBytes} B";

    public string Name => Kind switch
    {
        ScenarioKind.Throughput => $"throughput {Shape} {Payload}",
        ScenarioKind.Latency => $"latency {Shape} {Payload}",
        _ => $"{IdleConnections + Publishers + Subscribers} clients, {Shape} {Payload} at {ConnectionsRate:0}/s",
    };

    /// <summary>The throughput scenario whose saturation rate sets this latency scenario's rate.</summary>
    public Scenario Saturation => this with { Kind = ScenarioKind.Throughput };

    public static IReadOnlyList<Scenario> Quick { get; } =
    [
        new(ScenarioKind.Throughput, 1, 1, 128),
        new(ScenarioKind.Throughput, 1, 8, 128),
        new(ScenarioKind.Latency, 1, 1, 128),
    ];

    public static IReadOnlyList<Scenario> Full { get; } =
    [
        new(ScenarioKind.Throughput, 1, 1, 128),
        new(ScenarioKind.Throughput, 1, 8, 128),
        new(ScenarioKind.Throughput, 8, 8, 128),
        new(ScenarioKind.Throughput, 1, 1, 4096),
        new(ScenarioKind.Throughput, 1, 8, 4096),
        new(ScenarioKind.Throughput, 8, 8, 4096),
        new(ScenarioKind.Throughput, 1, 16, 128),
        new(ScenarioKind.Throughput, 1, 32, 128),
        new(ScenarioKind.Throughput, 1, 64, 128),
        new(ScenarioKind.Latency, 1, 1, 128),
        new(ScenarioKind.Latency, 1, 8, 128),
        new(ScenarioKind.Latency, 8, 8, 128),
        new(ScenarioKind.Latency, 1, 1, 4096),
        new(ScenarioKind.Latency, 1, 8, 4096),
        new(ScenarioKind.Latency, 8, 8, 4096),
        new(ScenarioKind.Connections, 1, 1, 128, 8),
        new(ScenarioKind.Connections, 1, 1, 128, 98),
        new(ScenarioKind.Connections, 1, 1, 128, 998),
        new(ScenarioKind.Connections, 1, 1, 128, 9998),
    ];
}
