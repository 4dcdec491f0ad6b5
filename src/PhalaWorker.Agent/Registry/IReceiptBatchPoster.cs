using PhalaWorker.Agent.Startup;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Agent.Registry;

/// <summary>
/// Posts a receipt batch root to the NodeRegistry (<see cref="RegistryGateway"/>). The seam lets <see cref="ResultPoster"/>'s
/// batching, retry and restart logic be tested against a chain that fails on demand.
/// </summary>
internal interface IReceiptBatchPoster
{
    Task<PostedBatch> PostBatchAsync(NodeAttestation attestation, Hash32 root, uint count, CancellationToken cancellationToken);
}
