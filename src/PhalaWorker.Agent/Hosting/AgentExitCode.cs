namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// The agent's process exit codes (documented in deploy/README.md and printed by <c>--help</c>). A supervisor such as
/// systemd can tell a configuration mistake (do not restart) from a transient chain outage (restart).
/// </summary>
public enum AgentExitCode
{
    /// <summary>Stopped normally, or <c>--help</c> / <c>--version</c>.</summary>
    Ok = 0,

    /// <summary>An unexpected failure (a bug): the message names the exception type.</summary>
    Failure = 1,

    /// <summary>Unusable configuration: a bad switch, setting, listen URL or missing key file.</summary>
    Configuration = 2,

    /// <summary>No TEE to attest with (no configfs-tsm or /dev/tdx_guest, or the native shim is missing).</summary>
    TeeUnavailable = 3,

    /// <summary>The chain could not be reached, or registration failed or timed out.</summary>
    Chain = 4,

    /// <summary>The journal or identity file could not be opened or written.</summary>
    Storage = 5,

    /// <summary>An address could not be bound (in use, or not an address of this host).</summary>
    Listen = 6,
}
