namespace PhalaWorker.Attestation.Tdx;

/// <summary>Certification data (type ‖ size ‖ data) of the quote signature data.</summary>
public abstract record CertificationData
{
    /// <summary>PCK certificate chain in PEM (leaf, intermediate, root).</summary>
    public const ushort TypePckCertChain = 5;

    /// <summary>QE report certification data (QE report, its signature, QE auth data, inner certification data).</summary>
    public const ushort TypeQeReport = 6;

    /// <summary>The certification data type.</summary>
    public abstract ushort Type { get; }
}

/// <summary>Type 5: the PCK certificate chain as concatenated PEM (kept byte-exact, including any trailing NUL).</summary>
public sealed record PckCertChainCertificationData(byte[] PemChain) : CertificationData
{
    public override ushort Type => TypePckCertChain;
}

/// <summary>Type 6: QE report certification data.</summary>
public sealed record QeReportCertificationData(SgxReportBody QeReport, byte[] QeReportSignature, byte[] QeAuthData, CertificationData Inner)
    : CertificationData
{
    public override ushort Type => TypeQeReport;
}

/// <summary>Any other certification data type (1..4, 7 ...), kept as raw bytes.</summary>
public sealed record RawCertificationData(ushort RawType, byte[] Data) : CertificationData
{
    public override ushort Type => RawType;
}
