using System.ComponentModel.DataAnnotations;

namespace PhalaWorker.Agent.Registry;

/// <summary>Where the node registers and posts its receipts, section <c>Registry</c>. Empty <see cref="RpcUrl"/> runs without a chain.</summary>
public sealed class RegistryOptions
{
    public const string SectionName = "Registry";

    /// <summary>JSON-RPC endpoint of the L2.</summary>
    /// <value>Default empty: no chain (receipts carry <see cref="ChainId"/> and <see cref="Address"/> as configured, nothing is posted).</value>
    public string? RpcUrl { get; set; }

    /// <summary>NodeRegistry contract address (0x-hex).</summary>
    /// <value>Default empty (the zero address).</value>
    public string? Address { get; set; }

    /// <summary>Chain id used in receipts when no RPC is configured; with an RPC the node asks the chain.</summary>
    /// <value>Default 0.</value>
    public ulong ChainId { get; set; }

    /// <summary>
    /// Hex private key of the operator account that sends the node's transactions (registration, heartbeats, batches, each
    /// authorized by the node key's EIP-712 signature) and pays their gas. Read it from the environment
    /// (<c>Registry__OperatorKey</c>) or a file (<see cref="OperatorKeyFile"/>), never from a command line in production.
    /// </summary>
    /// <value>Default empty.</value>
    public string? OperatorKey { get; set; }

    /// <summary>File holding the operator key (hex), used when <see cref="OperatorKey"/> is empty.</summary>
    /// <value>Default empty.</value>
    public string? OperatorKeyFile { get; set; }

    /// <summary>
    /// Bound on one registration attempt (chain id, lookups, the transaction and its receipt). An attempt that runs past it
    /// counts as a transient failure and is retried; registration itself is retried for as long as the agent runs.
    /// </summary>
    /// <value>Default 2 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// First wait after a failed registration attempt (the chain unreachable, a transient RPC error, an attempt timed out);
    /// each later wait doubles, with jitter, up to <see cref="RetryMaxDelay"/>.
    /// </summary>
    /// <value>Default 1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two registration attempts.</summary>
    /// <value>Default 1 minute.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    public bool Enabled => !string.IsNullOrWhiteSpace(RpcUrl);
}
