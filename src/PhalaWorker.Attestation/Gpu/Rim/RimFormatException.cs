namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// A RIM that cannot be used: not well-formed or oversized XML, a DTD, a missing or malformed element or attribute, an
/// unsupported XML-DSig algorithm, or an id that disagrees with the signed content. <see cref="Field"/> names the element or
/// attribute (for example <c>Payload/Resource[index=12]/@Hash2</c>).
/// </summary>
public sealed class RimFormatException : AttestationException
{
    public RimFormatException()
        : this("rim", "invalid RIM")
    {
    }

    public RimFormatException(string message)
        : this("rim", message)
    {
    }

    public RimFormatException(string message, Exception innerException)
        : this("rim", message, innerException)
    {
    }

    public RimFormatException(string field, string message, Exception? innerException = null)
        : base(AttestationErrorReason.CollateralFormat, $"RIM {field}: {message}", innerException)
    {
        Field = field;
    }

    /// <summary>The element or attribute that failed, as a path.</summary>
    public string Field { get; }
}
