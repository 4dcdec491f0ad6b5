using System.Numerics;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>The call object of <c>eth_call</c> and <c>eth_estimateGas</c>; null fields are left out.</summary>
public sealed record CallRequest
{
    public EthAddress? From { get; init; }

    public EthAddress? To { get; init; }

    /// <summary>Calldata (or creation code when <see cref="To"/> is null).</summary>
    public byte[]? Data { get; init; }

    public BigInteger? Value { get; init; }

    public ulong? Gas { get; init; }
}
