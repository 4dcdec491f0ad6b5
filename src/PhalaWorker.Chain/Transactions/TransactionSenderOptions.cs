using System.Numerics;

namespace PhalaWorker.Chain.Transactions;

/// <summary>How a <see cref="TransactionSender"/> prices, replaces and awaits transactions.</summary>
public sealed record TransactionSenderOptions
{
    /// <summary>The chain the sender signs for; the node must report the same id (EIP-155 replay protection).</summary>
    public required ulong ChainId { get; init; }

    /// <summary>Blocks (the including one counted) before a receipt is final.</summary>
    /// <value>Default 1.</value>
    public int Confirmations { get; init; } = 1;

    /// <summary>Hard cap on maxFeePerGas, in wei; fees are never raised above it.</summary>
    /// <value>Default 200 gwei.</value>
    public BigInteger MaxFeePerGas { get; init; } = 200_000_000_000;

    /// <summary>Lowest priority fee (tip) offered, in wei.</summary>
    /// <value>Default 0.01 gwei.</value>
    public BigInteger MinPriorityFeePerGas { get; init; } = 10_000_000;

    /// <summary>How often receipts are polled.</summary>
    /// <value>Default 1 s.</value>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a broadcast transaction may stay unmined before it is replaced with higher fees.</summary>
    /// <value>Default 60 s.</value>
    public TimeSpan ReplaceAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long <see cref="TransactionSender.WaitForReceiptAsync"/> waits before giving up (the transaction stays journaled).</summary>
    /// <value>Default 10 min.</value>
    public TimeSpan ReceiptTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Fee increase of a replacement, in percent of both fees (nodes require at least 10).</summary>
    /// <value>Default 12.</value>
    public int FeeBumpPercent { get; init; } = 12;

    /// <summary>Estimated gas is multiplied by this margin.</summary>
    /// <value>Default 1.25.</value>
    public double GasLimitMargin { get; init; } = 1.25;

    /// <summary>Finished transactions kept in the journal for idempotency look-ups.</summary>
    /// <value>Default 1024.</value>
    public int JournalHistory { get; init; } = 1024;
}
