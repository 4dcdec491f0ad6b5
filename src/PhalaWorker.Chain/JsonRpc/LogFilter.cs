using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>The filter of <c>eth_getLogs</c>. Topics: one entry per position, null = any.</summary>
public sealed record LogFilter
{
    public BlockTag FromBlock { get; init; } = BlockTag.Earliest;

    public BlockTag ToBlock { get; init; } = BlockTag.Latest;

    public EthAddress? Address { get; init; }

    public IReadOnlyList<Hash32?>? Topics { get; init; }
}
