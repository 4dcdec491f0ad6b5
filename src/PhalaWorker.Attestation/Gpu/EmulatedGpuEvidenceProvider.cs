using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.Gpu.Collateral;
using PhalaWorker.Attestation.Gpu.Emulation;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Policy;
using PhalaWorker.Attestation.Gpu.Verification;

namespace PhalaWorker.Attestation.Gpu;

/// <summary>
/// Evidence of the emulated GPU (<see cref="EmulatedGpu"/>, derived from the emulated TEE's seed): <c>nvidia-remote-evidence/v1</c>
/// holding a signed SPDM report from the emulated device chain, verified by the same <see cref="GpuVerifier"/> as NVIDIA
/// hardware, and <see cref="Collateral"/> (emulated RIMs and OCSP responses) for it. Accepted only by a verifier that trusts
/// the emulated roots and allows emulation.
/// </summary>
public sealed class EmulatedGpuEvidenceProvider : IGpuEvidenceProvider
{
    private readonly TimeProvider _timeProvider;

    /// <summary>An emulated GPU whose certificates are issued now, from <paramref name="tee"/>'s seed.</summary>
    public EmulatedGpuEvidenceProvider(EmulatedTee tee, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(tee);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        Gpu = tee.CreateGpu(timeProvider.GetUtcNow());
    }

    /// <inheritdoc />
    public string Name => "emulated";

    /// <summary>The emulated GPU.</summary>
    public EmulatedGpu Gpu { get; }

    /// <summary>What the agent's own gate verifies the emulated GPU with: the emulated roots and the strict policy allowing emulation.</summary>
    public GpuVerificationContext VerificationContext(byte[] nonce) => Collateral().ApplyTo(new GpuVerificationContext
    {
        At = _timeProvider.GetUtcNow(),
        Policy = GpuAttestationPolicy.Strict with { AllowEmulated = true },
        Roots = Gpu.TrustedRoots,
        RimRoots = Gpu.RimTrustedRoots,
        ExpectedNonce = nonce,
    });

    /// <inheritdoc />
    public ValueTask<GpuEvidence> CollectAsync(ReadOnlyMemory<byte> nonce, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (nonce.Length != 32)
        {
            throw new ArgumentException($"The GPU evidence nonce must be 32 bytes (the SPDM request nonce), not {nonce.Length}.", nameof(nonce));
        }

        var evidence = NvidiaRemoteEvidence.Serialize([Gpu.Evidence(nonce.Span)]);
        return ValueTask.FromResult(new GpuEvidence(NvidiaRemoteEvidence.Format, evidence));
    }

    /// <summary>The driver and VBIOS RIMs and OCSP "good" responses current at this moment, as stapled collateral.</summary>
    public GpuCollateral Collateral()
    {
        var rims = Gpu.WriteRims();
        var byId = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [EmulatedGpu.DriverRimId.Value] = rims[0],
            [EmulatedGpu.VbiosRimId.Value] = rims[1],
        };
        return new GpuCollateral(byId, Gpu.WriteOcspResponses(_timeProvider.GetUtcNow()), []);
    }
}
