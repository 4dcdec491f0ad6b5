namespace PhalaWorker.Attestation.Tdx;

/// <summary>
/// A quote that cannot be decoded: truncated, oversized, or with inconsistent length/type fields.
/// <see cref="Field"/> names the offending field (for example <c>signatureData.certificationData.size</c>).
/// </summary>
public sealed class QuoteFormatException : AttestationException
{
    public QuoteFormatException()
        : this("quote", "invalid quote")
    {
    }

    public QuoteFormatException(string message)
        : this("quote", message)
    {
    }

    public QuoteFormatException(string message, Exception innerException)
        : base(AttestationErrorReason.QuoteFormat, message, innerException)
    {
        Field = "quote";
    }

    public QuoteFormatException(string field, string message, long offset = -1)
        : base(AttestationErrorReason.QuoteFormat, offset >= 0 ? $"{field}: {message} (at offset {offset})" : $"{field}: {message}")
    {
        Field = field;
        Offset = offset;
    }

    /// <summary>The quote field that failed to decode, as a dotted path.</summary>
    public string Field { get; }

    /// <summary>Byte offset in the input where the field starts, or -1 when not applicable.</summary>
    public long Offset { get; } = -1;
}
