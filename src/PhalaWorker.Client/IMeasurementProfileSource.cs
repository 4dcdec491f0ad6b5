using PhalaWorker.Attestation.Policy;

namespace PhalaWorker.Client;

/// <summary>
/// Where the accepted TD identities come from (the registry's on-chain allow-list, a file, a fixed list).
/// <see cref="NodeVerifier"/> accepts a node only when its measurements match one of them.
/// </summary>
public interface IMeasurementProfileSource
{
    /// <summary>The profiles accepted now.</summary>
    Task<IReadOnlyList<MeasurementProfile>> GetMeasurementProfilesAsync(CancellationToken cancellationToken);
}
