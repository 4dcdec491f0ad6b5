using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Abi;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>The compiled NodeRegistry contract (deploy/contracts/build), embedded in this assembly.</summary>
public static class NodeRegistryContract
{
    private static readonly Lazy<string> s_abiJson = new(() => ReadResource("NodeRegistry.abi"));
    private static readonly Lazy<AbiContract> s_abi = new(() => AbiContract.Parse(s_abiJson.Value));
    private static readonly Lazy<byte[]> s_bytecode = new(() => Hex.Decode(ReadResource("NodeRegistry.bin").Trim()));

    /// <summary>The solc ABI JSON as committed.</summary>
    public static string AbiJson => s_abiJson.Value;

    public static AbiContract Abi => s_abi.Value;

    /// <summary>Creation bytecode (constructor takes no arguments).</summary>
    public static ReadOnlyMemory<byte> Bytecode => s_bytecode.Value;

    private static string ReadResource(string name)
    {
        var resource = "PhalaWorker.Chain.Contracts.NodeRegistry." + name;
        using var stream = typeof(NodeRegistryContract).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource {resource} is missing from {typeof(NodeRegistryContract).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
