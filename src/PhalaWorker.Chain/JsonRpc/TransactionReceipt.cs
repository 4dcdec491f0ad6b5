using System.Numerics;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>A mined transaction's receipt (<c>eth_getTransactionReceipt</c>).</summary>
public sealed record TransactionReceipt(
    Hash32 TransactionHash,
    Hash32 BlockHash,
    ulong BlockNumber,
    ulong TransactionIndex,
    EthAddress From,
    EthAddress? To,
    ulong GasUsed,
    ulong CumulativeGasUsed,
    BigInteger EffectiveGasPrice,
    EthAddress? ContractAddress,
    IReadOnlyList<LogEntry> Logs,
    ulong Status)
{
    /// <summary>Whether execution succeeded (status 1).</summary>
    public bool Succeeded => Status == 1;
}
