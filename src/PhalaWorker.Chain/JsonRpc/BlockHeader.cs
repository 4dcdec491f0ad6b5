using System.Numerics;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>The header fields of <c>eth_getBlockByNumber</c> (transactions are not requested).</summary>
public sealed record BlockHeader(
    ulong Number,
    Hash32 Hash,
    Hash32 ParentHash,
    ulong Timestamp,
    ulong GasLimit,
    ulong GasUsed,
    BigInteger? BaseFeePerGas = null);
