using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using EventBridge;

namespace Commands;

public enum Mode
{
    Fast,
    Safe,
}

public static class CommandConsumers
{
    [Consumer("move")]
    public static void OnMove(
        int x,
        int y,
        string? label = null,
        Mode mode = Mode.Safe,
        double speed = 1.5,
        bool dryRun = false,
        char marker = '*',
        decimal budget = 10.25m,
        long? limit = null)
    {
    }

    [Consumer("tag")]
    [Consumer("retag", Namespace = "admin")]
    public static Task<int> OnTag(EventContext context, List<string> tags, Guid? @ref, CancellationToken cancellationToken) =>
        Task.FromResult(tags.Count);

    [Consumer("noop")]
    public static ValueTask OnNoop() => default;

    [Consumer("keywords")]
    public static void OnKeywords(string @class, int @event)
    {
    }
}
