using Nethereum.ABI.FunctionEncoding.Attributes;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;

/// <summary>
/// Base of the typed custom errors: each decoded error names its <see cref="NodeRegistryError"/> and gives its arguments
/// in our value forms (<see cref="EthAddress"/>, <see cref="Hash32"/>, integers as <see cref="System.Numerics.BigInteger"/>,
/// strings), which <see cref="NodeRegistryException"/> carries.
/// </summary>
internal abstract class NodeRegistryCustomError : IErrorDTO
{
    public abstract NodeRegistryError Error { get; }

    public abstract IReadOnlyList<object?> Arguments { get; }

    protected static EthAddress Address(string value) => EthAddress.Parse(value.ToLowerInvariant());

    protected static Hash32 Hash(byte[] value) => new(value);
}
