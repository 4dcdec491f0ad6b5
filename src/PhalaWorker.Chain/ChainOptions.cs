using System.ComponentModel.DataAnnotations;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Chain;

/// <summary>
/// Every chain setting, in one place (configuration section <c>Chain</c>): where the L2 and the registry are, and how
/// transactions are sent there. The agent, the CLI and the SDK read the same names (the agent binds this class with
/// <see cref="ChainServiceCollectionExtensions.AddChain"/>; the CLI's switches set the same members).
/// </summary>
public sealed class ChainOptions
{
    public const string SectionName = "Chain";

    /// <summary>JSON-RPC endpoint of the L2 node.</summary>
    /// <value>Default none: no chain (the agent then registers nothing and posts no receipts; resolving a JSON-RPC client throws).</value>
    public Uri? RpcUrl { get; set; }

    /// <summary>
    /// Expected chain id. 0 takes the id the RPC endpoint reports (the agent; it is then fixed for the process); any other
    /// value must be the one the endpoint reports, or nothing is signed. Without <see cref="RpcUrl"/> it is the chain id
    /// receipts name.
    /// </summary>
    /// <value>Default 0.</value>
    [Range(0, ulong.MaxValue)]
    public ulong ChainId { get; set; }

    /// <summary>Address of the NodeRegistry contract (0x-hex; EIP-55 checksummed when mixed case); null until deployed.</summary>
    /// <value>Default none (the zero address in receipts).</value>
    [RegularExpression("^0x[0-9a-fA-F]{40}$")]
    public string? RegistryAddress { get; set; }

    /// <summary>Blocks before a receipt is final.</summary>
    /// <value>Default 1.</value>
    [Range(1, 128)]
    public int Confirmations { get; set; } = 1;

    /// <summary>Cap on maxFeePerGas, in wei.</summary>
    /// <value>Default 200 gwei.</value>
    [Range(1UL, ulong.MaxValue)]
    public ulong MaxFeePerGas { get; set; } = 200_000_000_000;

    /// <summary>Lowest priority fee offered, in wei.</summary>
    /// <value>Default 0.01 gwei.</value>
    public ulong MinPriorityFeePerGas { get; set; } = 10_000_000;

    /// <summary>Time allowed for one JSON-RPC exchange.</summary>
    /// <value>Default 10 s.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a JSON-RPC call after a transient failure.</summary>
    /// <value>Default 3.</value>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>How often a pending transaction's receipt is polled (only while one is pending).</summary>
    /// <value>Default 250 ms.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a transaction may stay unmined before it is replaced with higher fees.</summary>
    /// <value>Default 60 s.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReplaceAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a send waits for its confirmed receipt.</summary>
    /// <value>Default 10 min.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReceiptTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Directory of the durable transaction journal; null keeps it in memory (lost on restart) under <see cref="ChainServiceCollectionExtensions.AddChain"/>, and is <c>transactions/</c> next to the job journal in the agent.</summary>
    public string? TransactionStorePath { get; set; }

    /// <summary>True when <see cref="RpcUrl"/> is set.</summary>
    public bool Enabled => RpcUrl is { OriginalString.Length: > 0 };

    public JsonRpcClientOptions ToJsonRpcClientOptions() => new()
    {
        RequestTimeout = RequestTimeout,
        MaxRetries = MaxRetries,
    };

    /// <summary>The sender's settings; <paramref name="chainId"/> is the id the chain reported when <see cref="ChainId"/> is 0.</summary>
    public TransactionSenderOptions ToSenderOptions(ulong? chainId = null) => new()
    {
        ChainId = chainId ?? (ChainId != 0 ? ChainId : throw new InvalidOperationException("Chain:ChainId is 0 (take the chain's): pass the id the RPC endpoint reported")),
        Confirmations = Confirmations,
        MaxFeePerGas = MaxFeePerGas,
        MinPriorityFeePerGas = MinPriorityFeePerGas,
        PollInterval = PollInterval,
        ReplaceAfter = ReplaceAfter,
        ReceiptTimeout = ReceiptTimeout,
    };
}
