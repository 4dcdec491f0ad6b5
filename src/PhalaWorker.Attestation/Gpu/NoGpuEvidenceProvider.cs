namespace PhalaWorker.Attestation.Gpu;

/// <summary>For hosts without attestable GPUs: always <see cref="GpuEvidence.None"/> (digest of zeros).</summary>
public sealed class NoGpuEvidenceProvider : IGpuEvidenceProvider
{
    /// <inheritdoc />
    public string Name => "none";

    /// <inheritdoc />
    public ValueTask<GpuEvidence> CollectAsync(ReadOnlyMemory<byte> nonce, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return ValueTask.FromResult(GpuEvidence.None);
    }
}
