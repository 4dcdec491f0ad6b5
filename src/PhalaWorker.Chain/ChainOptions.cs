using System.ComponentModel.DataAnnotations;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Chain;

/// <summary>Where the L2 is and how to talk to it (configuration section <c>Chain</c>).</summary>
public sealed class ChainOptions
{
    public const string SectionName = "Chain";

    /// <summary>JSON-RPC endpoint of the L2 node.</summary>
    [Required]
    public Uri? RpcUrl { get; set; }

    /// <summary>Expected chain id; the node must report it, or nothing is signed.</summary>
    [Range(1, ulong.MaxValue)]
    public ulong ChainId { get; set; }

    /// <summary>Address of the NodeRegistry contract (0x-hex); null until deployed.</summary>
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

    /// <summary>How often receipts are polled.</summary>
    /// <value>Default 1 s.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a transaction may stay unmined before it is replaced with higher fees.</summary>
    /// <value>Default 60 s.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReplaceAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a send waits for its confirmed receipt.</summary>
    /// <value>Default 10 min.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReceiptTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Directory of the durable transaction journal; null keeps it in memory (lost on restart).</summary>
    public string? TransactionStorePath { get; set; }

    public JsonRpcClientOptions ToJsonRpcClientOptions() => new()
    {
        RequestTimeout = RequestTimeout,
        MaxRetries = MaxRetries,
    };

    public TransactionSenderOptions ToSenderOptions() => new()
    {
        ChainId = ChainId,
        Confirmations = Confirmations,
        MaxFeePerGas = MaxFeePerGas,
        MinPriorityFeePerGas = MinPriorityFeePerGas,
        PollInterval = PollInterval,
        ReplaceAfter = ReplaceAfter,
        ReceiptTimeout = ReceiptTimeout,
    };
}
