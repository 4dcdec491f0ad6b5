using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Policy;

namespace PhalaWorker.Attestation.Gpu.Verification;

/// <summary>What GPU evidence is verified against: the time, the policy, the trusted device roots, OCSP responses, RIMs and the nonce.</summary>
public sealed record GpuVerificationContext
{
    /// <summary>The verification time (certificate, RIM and OCSP windows).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The policy.</summary>
    /// <value>Default <see cref="GpuAttestationPolicy.Strict"/>.</value>
    public GpuAttestationPolicy Policy { get; init; } = GpuAttestationPolicy.Strict;

    /// <summary>Roots the device chain may end at.</summary>
    /// <value>Default <see cref="GpuTrustedRoots.NvidiaDevice"/>.</value>
    public GpuTrustedRoots Roots { get; init; } = GpuTrustedRoots.NvidiaDevice;

    /// <summary>The nonce every report must have been requested with; null to compare with each evidence item's own nonce.</summary>
    public byte[]? ExpectedNonce { get; init; }

    /// <summary>OCSP responses for the device and RIM chains, matched by CertID.</summary>
    /// <value>Default empty: every checked certificate is "unavailable".</value>
    public OcspResponseSet Ocsp { get; init; } = OcspResponseSet.Empty;

    /// <summary>Nonce that OCSP responses must carry; null when they are cached responses without one.</summary>
    public byte[]? OcspNonce { get; init; }

    /// <summary>RIM documents (SWID XML), each matched to a GPU by its RIM id.</summary>
    /// <value>Default empty: RIMs and measurements are "unavailable".</value>
    public IReadOnlyList<byte[]> Rims { get; init; } = [];

    internal OcspCheckOptions OcspOptions => new()
    {
        At = At,
        GracePeriod = Policy.OcspGracePeriod,
        MaxAge = Policy.OcspMaxAge,
        Nonce = OcspNonce,
    };
}
