using System.Text;

namespace PhalaWorker.Attestation.Emulation;

/// <summary>
/// The emulated certificate hierarchy, shaped like Intel's: emulated root CA → emulated PCK platform CA → PCK leaf
/// (carrying the SGX extension), and emulated root CA → TCB signing certificate (signs TCB info and QE identity).
/// All certificates are DER; the PEM helpers give the chains in the order quotes and collateral carry them.
/// </summary>
/// <param name="RootCertificateDer">The self-signed "PhalaWorker Emulated SGX Root CA".</param>
/// <param name="PlatformCaCertificateDer">The PCK platform CA, issued by the root.</param>
/// <param name="PckCertificateDer">The PCK leaf, issued by the platform CA, with the SGX extension (OID 1.2.840.113741.1.13.1).</param>
/// <param name="TcbSigningCertificateDer">The TCB signing certificate, issued by the root.</param>
public sealed record EmulatedPckChain(byte[] RootCertificateDer, byte[] PlatformCaCertificateDer, byte[] PckCertificateDer, byte[] TcbSigningCertificateDer)
{
    /// <summary>PCK leaf, platform CA, root as PEM: the certification data type 5 content of a quote (without the trailing NUL).</summary>
    public string PckChainPem => ToPem(PckCertificateDer) + ToPem(PlatformCaCertificateDer) + ToPem(RootCertificateDer);

    /// <summary>Platform CA, root as PEM: the PCK CRL issuer chain of the collateral.</summary>
    public string PckCrlIssuerChainPem => ToPem(PlatformCaCertificateDer) + ToPem(RootCertificateDer);

    /// <summary>TCB signing certificate, root as PEM: the TCB info and QE identity issuer chain of the collateral.</summary>
    public string TcbSigningChainPem => ToPem(TcbSigningCertificateDer) + ToPem(RootCertificateDer);

    /// <summary>Formats one DER certificate as PEM with 64-character lines and a trailing newline, like Intel's.</summary>
    public static string ToPem(ReadOnlySpan<byte> der)
    {
        var base64 = Convert.ToBase64String(der);
        var builder = new StringBuilder("-----BEGIN CERTIFICATE-----\n");
        for (var i = 0; i < base64.Length; i += 64)
        {
            builder.Append(base64.AsSpan(i, Math.Min(64, base64.Length - i))).Append('\n');
        }

        return builder.Append("-----END CERTIFICATE-----\n").ToString();
    }
}
