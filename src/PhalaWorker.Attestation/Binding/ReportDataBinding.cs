using System.Security.Cryptography;
using System.Text;

namespace PhalaWorker.Attestation.Binding;

/// <summary>
/// The report_data layout (v2) binding a node's identity into its TDX quote:
/// <c>SHA-512("phala-worker/report-data/v2" ‖ node_address(20) ‖ hpke_public_key(32) ‖ gpu_evidence_digest(32) ‖ tls_spki_sha256(32))</c>.
/// The GPU evidence digest is 32 zero bytes when the node has no GPU evidence; the TLS key digest
/// (<see cref="RaTlsBinding.SpkiDigest(System.ReadOnlySpan{byte})"/>, SHA-256 of the RA-TLS certificate's DER
/// SubjectPublicKeyInfo) is 32 zero bytes when the node serves no RA-TLS (measured <c>tls.mode=plaintext</c>).
/// </summary>
public static class ReportDataBinding
{
    /// <summary>The layout version carried next to the quote (AttestationBundle.report_data_version).</summary>
    public const int Version = 2;

    /// <summary>Length of the report_data field of a TD report.</summary>
    public const int ReportDataLength = 64;

    /// <summary>Length of the node's Ethereum address.</summary>
    public const int NodeAddressLength = 20;

    /// <summary>Length of the node's X25519 HPKE public key.</summary>
    public const int HpkePublicKeyLength = 32;

    /// <summary>Length of the GPU evidence digest.</summary>
    public const int GpuEvidenceDigestLength = 32;

    /// <summary>Length of the RA-TLS key digest (SHA-256 of the certificate's SubjectPublicKeyInfo).</summary>
    public const int TlsKeyDigestLength = RaTlsBinding.SpkiDigestLength;

    /// <summary>The ASCII domain separator that starts the hashed input.</summary>
    public const string Domain = "phala-worker/report-data/v2";

    private static readonly byte[] DomainBytes = Encoding.ASCII.GetBytes(Domain);

    /// <summary>Computes the 64-byte report_data of a node without an RA-TLS key (zero TLS key digest).</summary>
    /// <exception cref="ArgumentException">A field has the wrong length.</exception>
    public static byte[] Compute(ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> hpkePublicKey32, ReadOnlySpan<byte> gpuEvidenceDigest32) =>
        Compute(nodeAddress20, hpkePublicKey32, gpuEvidenceDigest32, ReadOnlySpan<byte>.Empty);

    /// <summary>
    /// Computes the 64-byte report_data. Pass an empty span as <paramref name="gpuEvidenceDigest32"/> for "no GPU evidence"
    /// and as <paramref name="tlsSpkiSha256"/> for "no RA-TLS key" (zeros either way).
    /// </summary>
    /// <exception cref="ArgumentException">A field has the wrong length.</exception>
    public static byte[] Compute(ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> hpkePublicKey32, ReadOnlySpan<byte> gpuEvidenceDigest32, ReadOnlySpan<byte> tlsSpkiSha256)
    {
        var result = new byte[ReportDataLength];
        Compute(nodeAddress20, hpkePublicKey32, gpuEvidenceDigest32, tlsSpkiSha256, result);
        return result;
    }

    /// <summary>Computes the 64-byte report_data into <paramref name="destination"/>.</summary>
    public static void Compute(ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> hpkePublicKey32, ReadOnlySpan<byte> gpuEvidenceDigest32, ReadOnlySpan<byte> tlsSpkiSha256, Span<byte> destination)
    {
        if (nodeAddress20.Length != NodeAddressLength)
        {
            throw new ArgumentException($"The node address must be {NodeAddressLength} bytes, got {nodeAddress20.Length}.", nameof(nodeAddress20));
        }

        if (hpkePublicKey32.Length != HpkePublicKeyLength)
        {
            throw new ArgumentException($"The HPKE public key must be {HpkePublicKeyLength} bytes, got {hpkePublicKey32.Length}.", nameof(hpkePublicKey32));
        }

        if (gpuEvidenceDigest32.Length != 0 && gpuEvidenceDigest32.Length != GpuEvidenceDigestLength)
        {
            throw new ArgumentException($"The GPU evidence digest must be {GpuEvidenceDigestLength} bytes (or empty for none), got {gpuEvidenceDigest32.Length}.", nameof(gpuEvidenceDigest32));
        }

        if (tlsSpkiSha256.Length != 0 && tlsSpkiSha256.Length != TlsKeyDigestLength)
        {
            throw new ArgumentException($"The TLS key digest must be {TlsKeyDigestLength} bytes (or empty for none), got {tlsSpkiSha256.Length}.", nameof(tlsSpkiSha256));
        }

        if (destination.Length < ReportDataLength)
        {
            throw new ArgumentException($"The destination must hold {ReportDataLength} bytes.", nameof(destination));
        }

        Span<byte> input = stackalloc byte[DomainBytes.Length + NodeAddressLength + HpkePublicKeyLength + GpuEvidenceDigestLength + TlsKeyDigestLength];
        input.Clear();
        DomainBytes.CopyTo(input);
        var offset = DomainBytes.Length;
        nodeAddress20.CopyTo(input[offset..]);
        offset += NodeAddressLength;
        hpkePublicKey32.CopyTo(input[offset..]);
        offset += HpkePublicKeyLength;
        gpuEvidenceDigest32.CopyTo(input[offset..]); // empty leaves the zeros
        offset += GpuEvidenceDigestLength;
        tlsSpkiSha256.CopyTo(input[offset..]);
        SHA512.HashData(input, destination);
    }

    /// <summary>Recomputes the binding and compares it in constant time with the quoted report_data.</summary>
    public static bool Matches(ReadOnlySpan<byte> reportData64, ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> hpkePublicKey32, ReadOnlySpan<byte> gpuEvidenceDigest32) =>
        Matches(reportData64, nodeAddress20, hpkePublicKey32, gpuEvidenceDigest32, ReadOnlySpan<byte>.Empty);

    /// <summary>Recomputes the binding (with the RA-TLS key digest) and compares it in constant time with the quoted report_data.</summary>
    public static bool Matches(ReadOnlySpan<byte> reportData64, ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> hpkePublicKey32, ReadOnlySpan<byte> gpuEvidenceDigest32, ReadOnlySpan<byte> tlsSpkiSha256)
    {
        if (reportData64.Length != ReportDataLength)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[ReportDataLength];
        Compute(nodeAddress20, hpkePublicKey32, gpuEvidenceDigest32, tlsSpkiSha256, expected);
        return CryptographicOperations.FixedTimeEquals(expected, reportData64);
    }
}
