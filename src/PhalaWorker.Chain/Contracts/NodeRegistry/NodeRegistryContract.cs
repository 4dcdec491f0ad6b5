using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>The compiled NodeRegistry contract (deploy/contracts/build), embedded in this assembly.</summary>
public static class NodeRegistryContract
{
    private static readonly Lazy<string> s_abiJson = new(() => ReadResource("NodeRegistry.abi"));
    private static readonly Lazy<byte[]> s_bytecode = new(() => Hex.Decode(ReadResource("NodeRegistry.bin").Trim()));

    /// <summary>The solc ABI JSON as committed.</summary>
    public static string AbiJson => s_abiJson.Value;

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
