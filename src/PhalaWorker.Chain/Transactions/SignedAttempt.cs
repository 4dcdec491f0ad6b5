using System.Numerics;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Transactions;

/// <summary>One signed version of a journaled transaction (the first, or a fee-bumped replacement under the same nonce).</summary>
public sealed record SignedAttempt(Hash32 Hash, byte[] RawTransaction, BigInteger MaxFeePerGas, BigInteger MaxPriorityFeePerGas, DateTimeOffset SignedAt);
