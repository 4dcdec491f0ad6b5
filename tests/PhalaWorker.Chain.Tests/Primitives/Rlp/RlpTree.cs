using PhalaWorker.Chain.Primitives.Rlp;

namespace PhalaWorker.Chain.Tests.Primitives.Rlp;

/// <summary>A random RLP tree for property tests (byte strings of every header size, nested lists).</summary>
public sealed record RlpTree(RlpItem Item)
{
    public override string ToString() => Item.ToString();
}
