using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Transactions;

/// <summary>A transaction that reverted, either at gas estimation (not sent) or when mined (then <see cref="Receipt"/> is set).</summary>
public sealed class TransactionRevertedException : ChainException
{
    public TransactionRevertedException(string message, byte[]? revertData, TransactionReceipt? receipt = null, Exception? innerException = null)
        : base(ChainErrorReason.TransactionFailed, message, innerException)
    {
        RevertData = revertData;
        Receipt = receipt;
    }

    /// <summary>ABI-encoded revert data (selector + arguments), when the node returned it.</summary>
    public byte[]? RevertData { get; }

    /// <summary>The receipt of the mined, reverted transaction; null when it reverted at estimation.</summary>
    public TransactionReceipt? Receipt { get; }

    public Hash32? TransactionHash => Receipt?.TransactionHash;

    /// <summary>Decoded revert (see <see cref="RevertDecoder.Describe"/>).</summary>
    public string? RevertReason => RevertData is null ? null : RevertDecoder.Describe(RevertData);
}
