using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Receipts;

/// <summary>
/// What a node signs for a finished job (EIP-712 struct <c>JobReceipt</c>, see <see cref="JobReceiptTypedData"/>).
/// Hashes are keccak256 as PLAN.md defines them; <paramref name="FinishedAt"/> is Unix seconds.
/// </summary>
public sealed record JobReceiptData(
    Hash32 JobId,
    Hash32 ModelHash,
    Hash32 InputHash,
    Hash32 OutputHash,
    Hash32 QuoteHash,
    ulong FinishedAt,
    string Backend);
