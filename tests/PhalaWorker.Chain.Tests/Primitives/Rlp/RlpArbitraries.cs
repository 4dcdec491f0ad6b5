using FsCheck;
using FsCheck.Fluent;
using PhalaWorker.Chain.Primitives.Rlp;

namespace PhalaWorker.Chain.Tests.Primitives.Rlp;

public static class RlpArbitraries
{
    public static Arbitrary<RlpTree> Trees() => Gen.Sized(size => Tree(Math.Min(size, 6))).Select(i => new RlpTree(i)).ToArbitrary();

    private static Gen<RlpItem> Tree(int depth)
    {
        var length = Gen.OneOf(Gen.Choose(0, 2), Gen.Choose(50, 60), Gen.Choose(0, 300));
        var leaf = length.SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n)).Select(b => RlpItem.FromBytes(b));
        if (depth <= 0)
        {
            return leaf;
        }

        var list = Gen.Choose(0, 5).SelectMany(n => Gen.ListOf(Tree(depth - 1), n)).Select(items => RlpItem.FromList(items));
        return Gen.Frequency((3, leaf), (1, list));
    }
}
