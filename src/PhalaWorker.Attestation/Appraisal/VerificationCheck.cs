using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Appraisal;

/// <summary>The individual checks of quote verification; a rejection names the one that failed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VerificationCheck>))]
public enum VerificationCheck
{
    /// <summary>The quote bytes do not decode.</summary>
    QuoteFormat,

    /// <summary>Header fields (QE vendor id) are not what an Intel QE produces.</summary>
    QuoteHeader,

    /// <summary>The certification data is not QE report certification data (type 6) wrapping a PCK chain (type 5).</summary>
    CertificationData,

    /// <summary>The collateral does not decode (CRL DER, PEM chains, TCB info / QE identity JSON).</summary>
    CollateralFormat,

    /// <summary>A chain ends at a root that is not pinned (or the quote/collateral root is not the pinned one).</summary>
    TrustedRoot,

    /// <summary>The chain ends at the emulated root and the policy does not allow emulation.</summary>
    EmulatedRoot,

    /// <summary>PCK certificate chain: decoding, signatures, names, CA constraints, SGX extension.</summary>
    PckCertificateChain,

    /// <summary>A certificate is outside its notBefore/notAfter window.</summary>
    CertificateValidity,

    /// <summary>Root CA CRL: signature by the root, thisUpdate/nextUpdate window.</summary>
    RootCaCrl,

    /// <summary>PCK CRL: issuer chain, signature by the PCK CA, coverage of the PCK leaf's issuer, thisUpdate/nextUpdate window.</summary>
    PckCrl,

    /// <summary>A certificate in a chain is listed in a CRL.</summary>
    CertificateRevoked,

    /// <summary>TCB info issuer chain (TCB signing certificate) to the pinned root.</summary>
    TcbInfoIssuerChain,

    /// <summary>TCB info signature by the TCB signing certificate.</summary>
    TcbInfoSignature,

    /// <summary>TCB info id/version/fields.</summary>
    TcbInfoFormat,

    /// <summary>TCB info issueDate/nextUpdate window.</summary>
    TcbInfoValidity,

    /// <summary>QE identity issuer chain to the pinned root.</summary>
    QeIdentityIssuerChain,

    /// <summary>QE identity signature by the TCB signing certificate.</summary>
    QeIdentitySignature,

    /// <summary>QE identity id/version/fields.</summary>
    QeIdentityFormat,

    /// <summary>QE identity issueDate/nextUpdate window.</summary>
    QeIdentityValidity,

    /// <summary>Collateral older than the policy's maximum age.</summary>
    CollateralAge,

    /// <summary>The PCK leaf's FMSPC differs from the TCB info's.</summary>
    Fmspc,

    /// <summary>The PCK leaf's PCE-ID differs from the TCB info's.</summary>
    PceId,

    /// <summary>QE report signature by the PCK leaf key.</summary>
    QeReportSignature,

    /// <summary>QE report data ≠ SHA-256(attestation key ‖ QE auth data) ‖ zeros.</summary>
    QeReportDataBinding,

    /// <summary>Quote signature (header ‖ body) by the attestation key.</summary>
    QuoteSignature,

    /// <summary>QE report MRSIGNER / ISVPRODID / MISCSELECT / ATTRIBUTES do not match the QE identity.</summary>
    QeIdentity,

    /// <summary>The QE ISVSVN matches no QE identity TCB level, or that level is revoked.</summary>
    QeTcb,

    /// <summary>TDX module identity (MRSIGNERSEAM / SEAMATTRIBUTES / TDX_xx) does not match.</summary>
    TdxModuleIdentity,

    /// <summary>The TDX module SVN matches no module TCB level.</summary>
    TdxModuleTcb,

    /// <summary>The platform (SGX components, PCESVN, TDX components) matches no TCB level.</summary>
    TcbLevel,

    /// <summary>The combined TCB status is Revoked.</summary>
    TcbRevoked,

    /// <summary>Policy: the TCB status is below the minimum.</summary>
    TcbStatusPolicy,

    /// <summary>Policy: an advisory ID is not in the allow-list.</summary>
    AdvisoryPolicy,

    /// <summary>TD_ATTRIBUTES has DEBUG (or another TUD bit) set.</summary>
    DebugTd,

    /// <summary>MRSERVICETD (TD report 1.5) is non-zero and the policy does not allow it.</summary>
    MrServiceTd,

    /// <summary>Policy: MRTD / RTMR / MRCONFIGID not in the allowed values.</summary>
    MeasurementPolicy,
}
