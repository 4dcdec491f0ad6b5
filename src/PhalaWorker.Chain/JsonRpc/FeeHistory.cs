using System.Numerics;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>The answer of <c>eth_feeHistory</c>: <see cref="BaseFeePerGas"/> has one more entry than blocks (the next block).</summary>
public sealed record FeeHistory(
    ulong OldestBlock,
    IReadOnlyList<BigInteger> BaseFeePerGas,
    IReadOnlyList<double> GasUsedRatio,
    IReadOnlyList<IReadOnlyList<BigInteger>>? Reward = null);
