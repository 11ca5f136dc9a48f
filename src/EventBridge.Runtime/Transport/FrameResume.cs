namespace EventBridge.Transport;

/// <summary>
/// Where a reconnecting client left off: the <c>resume</c> member of its hello frame, or the replay members of the
/// server's welcome frame.
/// </summary>
internal sealed class FrameResume
{
    /// <summary>The client's own identity, the same on every connection it makes; the server never replays its events to it.</summary>
    public string? Client { get; set; }

    /// <summary>The server run: the one the client last saw (hello), or the one that sends the welcome.</summary>
    public string? Run { get; set; }

    /// <summary>The server position the client had reached (hello), or the one it starts from (welcome).</summary>
    public long? Position { get; set; }

    /// <summary>The source name of the last event the client received; hello only.</summary>
    public string? Source { get; set; }

    /// <summary>The id of the last event the client received; hello only.</summary>
    public EventId Id { get; set; }

    /// <summary>Whether the hello names the last event received.</summary>
    public bool HasId { get; set; }

    /// <summary>How many missed events the server sends right after the welcome; welcome only.</summary>
    public long Replayed { get; set; }

    /// <summary>Whether some events the client may have missed were no longer kept; welcome only.</summary>
    public bool Gap { get; set; }
}
