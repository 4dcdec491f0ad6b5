using System.Numerics;
using System.Text.Json.Serialization;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Transactions;

/// <summary>
/// A transaction in the sender's journal, identified by its idempotency <see cref="Key"/>. Every signed attempt is
/// recorded before it is broadcast, so that after a crash the sender re-broadcasts or polls instead of signing anew.
/// </summary>
public sealed record StoredTransaction(
    string Key,
    ulong Nonce,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] EthAddress? To,
    byte[] Data,
    BigInteger Value,
    ulong GasLimit,
    IReadOnlyList<SignedAttempt> Attempts,
    TransactionState State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] Hash32? MinedHash,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ulong? BlockNumber,
    DateTimeOffset CreatedAt)
{
    /// <summary>The latest attempt (the one to re-broadcast).</summary>
    public SignedAttempt Latest => Attempts[^1];
}
