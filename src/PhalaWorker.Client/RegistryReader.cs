using PhalaWorker.Chain.Primitives;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Client;

/// <summary>Reads the NodeRegistry contract over JSON-RPC: node records and posted batch roots.</summary>
public sealed class RegistryReader : IDisposable
{
    private RegistryReader(EthAddress registry)
    {
        Registry = registry;
    }

    public EthAddress Registry { get; }

    public static RegistryReader Connect(Uri rpcUrl, EthAddress registry)
    {
        ArgumentNullException.ThrowIfNull(rpcUrl);
        return new RegistryReader(registry);
    }

    public Task<RegisteredNode?> GetNodeAsync(EthAddress node, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("pending the NodeRegistry binding");

    public Task VerifyInclusionOnChainAsync(VerifiedReceipt receipt, InclusionProof inclusion, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("pending the NodeRegistry binding");

    public void Dispose()
    {
    }
}
