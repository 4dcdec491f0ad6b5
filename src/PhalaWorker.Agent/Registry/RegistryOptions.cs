using System.ComponentModel.DataAnnotations;

namespace PhalaWorker.Agent.Registry;

/// <summary>
/// How the node uses the registry, section <c>Registry</c>: the operator account that sends its transactions, registration
/// retries, receipt batches and heartbeats. Where the chain and the registry are is <see cref="PhalaWorker.Chain.ChainOptions"/>
/// (section <c>Chain</c>); without <c>Chain:RpcUrl</c> none of this is used.
/// </summary>
public sealed class RegistryOptions
{
    public const string SectionName = "Registry";

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

    /// <summary>Receipts per Merkle batch posted on chain.</summary>
    /// <value>Default 16.</value>
    [Range(1, 4096)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Oldest a pending receipt gets before its (smaller) batch is posted anyway.</summary>
    /// <value>Default 10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan BatchMaxAge { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Period of on-chain heartbeats.</summary>
    /// <value>Default 5 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromMinutes(5);
}
