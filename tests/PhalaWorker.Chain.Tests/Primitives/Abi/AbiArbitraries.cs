using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Abi;

namespace PhalaWorker.Chain.Tests.Primitives.Abi;

public static class AbiArbitraries
{
    public static Arbitrary<AbiSample> Samples() =>
        Gen.Choose(1, 4).SelectMany(n => Gen.ListOf(TypeGen(3), n))
            .SelectMany(types => Gen.CollectToList(types, t => ValueGen(t)).Select(values => new AbiSample([.. types], [.. values])))
            .ToArbitrary();

    private static Gen<AbiType> TypeGen(int depth)
    {
        var leaf = Gen.OneOf(
            Gen.Choose(1, 32).Select(n => AbiType.UInt(n * 8)),
            Gen.Choose(1, 32).Select(n => AbiType.Int(n * 8)),
            Gen.Constant(AbiType.Address),
            Gen.Constant(AbiType.Bool),
            Gen.Choose(1, 32).Select(AbiType.FixedBytes),
            Gen.Constant(AbiType.Bytes),
            Gen.Constant(AbiType.String));
        if (depth == 0)
        {
            return leaf;
        }

        var inner = TypeGen(depth - 1);
        return Gen.Frequency(
            (4, leaf),
            (1, inner.Select(AbiType.ArrayOf)),
            (1, inner.SelectMany(t => Gen.Choose(1, 3).Select(k => AbiType.FixedArrayOf(t, k)))),
            (1, Gen.Choose(1, 3).SelectMany(n => Gen.ListOf(inner, n)).Select(ts => AbiType.Tuple(ts))));
    }

    private static Gen<object?> ValueGen(AbiType type)
    {
        var bytes = ArbMap.Default.GeneratorFor<byte>();
        switch (type.Kind)
        {
            case AbiTypeKind.UInt:
                return Gen.ArrayOf(bytes, type.Size / 8).Select(b => (object?)new BigInteger(b, isUnsigned: true, isBigEndian: true));
            case AbiTypeKind.Int:
                return Gen.ArrayOf(bytes, type.Size / 8).Select(b => (object?)new BigInteger(b, isUnsigned: false, isBigEndian: true));
            case AbiTypeKind.Address:
                return Gen.ArrayOf(bytes, 20).Select(b => (object?)new EthAddress(b));
            case AbiTypeKind.Bool:
                return ArbMap.Default.GeneratorFor<bool>().Select(b => (object?)b);
            case AbiTypeKind.FixedBytes:
                return Gen.ArrayOf(bytes, type.Size).Select(b => (object?)b);
            case AbiTypeKind.Bytes:
                return Gen.Choose(0, 80).SelectMany(n => Gen.ArrayOf(bytes, n)).Select(b => (object?)b);
            case AbiTypeKind.String:
                return ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => (object?)new string(s.Get.Where(c => !char.IsSurrogate(c)).ToArray()));
            case AbiTypeKind.Array:
                return Gen.Choose(0, 3).SelectMany(n => Gen.ListOf(ValueGen(type.ElementType!), n)).Select(l => (object?)l.ToArray());
            case AbiTypeKind.FixedArray:
                return Gen.ListOf(ValueGen(type.ElementType!), type.Size).Select(l => (object?)l.ToArray());
            default:
                return Gen.CollectToList(type.Components, c => ValueGen(c.Type)).Select(l => (object?)l.ToArray());
        }
    }
}
