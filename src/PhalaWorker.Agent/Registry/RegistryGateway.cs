using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Agent.Registry;

/// <summary>The agent's calls into the NodeRegistry: the operator key sends each transaction, the node key authorizes it.</summary>
internal sealed class RegistryGateway(IOptions<RegistryOptions> options, ChainBinding chain) : IAsyncDisposable
{
    public Task<ulong> GetChainIdAsync(CancellationToken cancellationToken) => throw new NotSupportedException("pending the NodeRegistry binding " + options.Value.RpcUrl + chain.Registry);

    public Task<Hash32> RegisterAsync(NodeAttestation attestation, string endpoint, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<Hash32> HeartbeatAsync(NodeAttestation attestation, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<PostedBatch> PostBatchAsync(NodeAttestation attestation, Hash32 root, uint count, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
