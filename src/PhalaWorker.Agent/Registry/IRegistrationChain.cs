using PhalaWorker.Agent.Startup;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Agent.Registry;

/// <summary>
/// The calls <see cref="RegistrationHeartbeat"/> makes into the registry (<see cref="RegistryGateway"/> implements them): the
/// seam where its tests put a chain that fails, hangs or recovers on a fake clock.
/// </summary>
internal interface IRegistrationChain
{
    Task<ulong> GetChainIdAsync(CancellationToken cancellationToken);

    Task<Hash32> RegisterAsync(NodeAttestation attestation, string endpoint, CancellationToken cancellationToken);

    Task<Hash32> HeartbeatAsync(NodeAttestation attestation, CancellationToken cancellationToken);
}
