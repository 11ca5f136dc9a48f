namespace EventBridge.Server;

/// <summary>The exit codes of the <c>eventbridge</c> command.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked to do.</summary>
    public const int Success = 0;

    /// <summary>The server could not be reached or bound, the connection was lost, or a wait timed out.</summary>
    public const int Failure = 1;

    /// <summary>The command line or its input was invalid: an unknown option, invalid JSON, an invalid signal name.</summary>
    public const int InvalidInput = 2;

    /// <summary>The server rejected an event it received, for example because the token may not publish its signal.</summary>
    public const int Rejected = 3;

    /// <summary>
    /// Ctrl+C or SIGTERM stopped <c>emit</c> before the server acknowledged every event: 128 plus the number of
    /// SIGINT, as shells report a process that SIGINT ended.
    /// </summary>
    public const int Interrupted = 130;
}
