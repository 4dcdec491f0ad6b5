namespace PhalaWorker.Attestation.Gpu.Spdm;

/// <summary>
/// NVIDIA GPU evidence that cannot be decoded: a truncated or inconsistent SPDM GET_MEASUREMENTS request/response, a
/// malformed remote-evidence JSON, certificate chain or OCSP response. <see cref="Field"/> names the offending field as a
/// dotted path (for example <c>response.measurementRecord.block[3].measurementSize</c>).
/// </summary>
public sealed class GpuEvidenceFormatException : AttestationException
{
    public GpuEvidenceFormatException()
        : this("evidence", "invalid GPU evidence")
    {
    }

    public GpuEvidenceFormatException(string message)
        : this("evidence", message)
    {
    }

    public GpuEvidenceFormatException(string message, Exception innerException)
        : base(AttestationErrorReason.GpuEvidenceFormat, message, innerException)
    {
        Field = "evidence";
    }

    public GpuEvidenceFormatException(string field, string message, long offset = -1, Exception? innerException = null)
        : base(AttestationErrorReason.GpuEvidenceFormat, offset >= 0 ? $"{field}: {message} (at offset {offset})" : $"{field}: {message}", innerException)
    {
        Field = field;
        Offset = offset;
    }

    /// <summary>The evidence field that failed to decode, as a dotted path.</summary>
    public string Field { get; }

    /// <summary>Byte offset in the report where the field starts, or -1 when not applicable.</summary>
    public long Offset { get; } = -1;
}
