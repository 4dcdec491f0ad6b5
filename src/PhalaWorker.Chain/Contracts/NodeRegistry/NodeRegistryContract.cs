using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>The compiled NodeRegistry contract (deploy/contracts/build), embedded in this assembly.</summary>
public static class NodeRegistryContract
{
    private static readonly Lazy<string> s_abiJson = new(() => ReadResource("NodeRegistry.abi"));
    private static readonly Lazy<byte[]> s_bytecode = new(() => Hex.Decode(ReadResource("NodeRegistry.bin").Trim()));

    /// <summary>The solc ABI JSON as committed.</summary>
    public static string AbiJson => s_abiJson.Value;

    /// <summary>The custom error names the ABI declares.</summary>
    public static IReadOnlyList<string> ErrorNames => [.. NodeRegistryAbi.Contract.Errors.Select(e => e.Name)];

    /// <summary>Calldata of <paramref name="function"/> (Nethereum's encoder; our value forms: EthAddress, Hash32, object?[] tuples).</summary>
    public static byte[] EncodeCall(string function, params object?[] arguments) => NodeRegistryAbi.EncodeCall(function, arguments);

    /// <summary>Decoded outputs of <paramref name="function"/>.</summary>
    public static object?[] DecodeOutput(string function, byte[] output) => NodeRegistryAbi.DecodeOutput(function, output);

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
