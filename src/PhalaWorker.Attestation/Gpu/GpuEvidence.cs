using System.Security.Cryptography;

namespace PhalaWorker.Attestation.Gpu;

/// <summary>
/// GPU attestation evidence as the node publishes it (AttestationBundle.gpu_evidence) and its 32-byte digest, which
/// report_data binds (<see cref="Binding.ReportDataBinding"/>): SHA-256 of the evidence bytes, or 32 zero bytes when there is none.
/// </summary>
/// <param name="Format">What the bytes are, e.g. <c>nvidia-remote-evidence/v1</c>; empty for none.</param>
/// <param name="Evidence">The raw evidence; empty for none.</param>
public sealed record GpuEvidence(string Format, byte[] Evidence)
{
    /// <summary>No GPU evidence (digest = 32 zero bytes).</summary>
    public static GpuEvidence None { get; } = new(string.Empty, []);

    /// <summary>True when there is no evidence.</summary>
    public bool IsNone => Evidence.Length == 0;

    /// <summary>The digest bound into report_data.</summary>
    public byte[] Digest => ComputeDigest(Evidence);

    /// <summary>SHA-256 of <paramref name="evidence"/>, or 32 zero bytes when it is empty.</summary>
    public static byte[] ComputeDigest(ReadOnlySpan<byte> evidence) => evidence.IsEmpty ? new byte[32] : SHA256.HashData(evidence);
}
