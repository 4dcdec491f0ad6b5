using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>A posted result batch (<c>getBatch</c>): Merkle root of receipt digests and leaf count.</summary>
public sealed record BatchInfo(EthAddress Node, ulong BatchIndex, Hash32 Root, uint Count, ulong PostedAt);
