namespace PhalaWorker.Attestation.Gpu;

/// <summary>Collects attestation evidence of the host's GPUs, bound to a caller nonce.</summary>
public interface IGpuEvidenceProvider
{
    /// <summary>A short name for logs: <c>none</c>, <c>emulated</c>.</summary>
    string Name { get; }

    /// <summary>Collects evidence whose freshness is bound to <paramref name="nonce"/> (32 bytes).</summary>
    ValueTask<GpuEvidence> CollectAsync(ReadOnlyMemory<byte> nonce, CancellationToken ct);
}
