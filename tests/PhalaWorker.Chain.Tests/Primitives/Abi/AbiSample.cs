using FsCheck.Fluent;
using PhalaWorker.Chain.Primitives.Abi;

namespace PhalaWorker.Chain.Tests.Primitives.Abi;

/// <summary>A random tuple of ABI types with matching values.</summary>
public sealed record AbiSample(AbiType[] Types, object?[] Values)
{
    public override string ToString() => "(" + string.Join(",", Types.Select(t => t.CanonicalName)) + ") = " + AbiTestValues.Format(Values);
}
