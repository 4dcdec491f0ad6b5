using System.Numerics;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>A transaction as the node knows it (<c>eth_getTransactionByHash</c>); block fields are null while pending.</summary>
public sealed record TransactionInfo(
    Hash32 Hash,
    ulong Nonce,
    EthAddress From,
    EthAddress? To,
    BigInteger Value,
    byte[] Input,
    ulong Gas,
    BigInteger? GasPrice = null,
    BigInteger? MaxFeePerGas = null,
    BigInteger? MaxPriorityFeePerGas = null,
    Hash32? BlockHash = null,
    ulong? BlockNumber = null,
    ulong Type = 0);
