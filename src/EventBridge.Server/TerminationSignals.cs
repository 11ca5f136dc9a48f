using System.Runtime.InteropServices;

namespace EventBridge.Server;

/// <summary>
/// Turns the first SIGINT (Ctrl+C) or SIGTERM into a cancellation so that a command can stop cleanly. A second signal
/// is left to its default handling, which ends the process at once, so a stuck shutdown can always be cut short.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _requested;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _received;

    public TerminationSignals(CancellationToken cancellationToken)
    {
        _requested = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled when the first SIGINT or SIGTERM arrives.</summary>
    public CancellationToken Token => _requested.Token;

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _requested.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _received) == 1)
        {
            context.Cancel = true;
            _requested.Cancel();
        }
    }
}
