using System.Numerics;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Transactions;

/// <summary>
/// A transaction to send. <see cref="IdempotencyKey"/> names the operation: sending the same key again (also after a
/// restart, with the same store) returns the journaled transaction instead of sending a second one.
/// </summary>
public sealed record TransactionRequest(EthAddress? To, ReadOnlyMemory<byte> Data, BigInteger Value = default)
{
    /// <summary>Operation id; null gives a fresh one (no idempotency across calls).</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Gas limit; null estimates it (and refuses a call that would revert).</summary>
    public ulong? GasLimit { get; init; }
}
