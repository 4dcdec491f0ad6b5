using System.Security.Cryptography;
using System.Text;

namespace PhalaWorker.Attestation.Binding;

/// <summary>
/// The report_data layout (v1) binding a node's identity into its TDX quote:
/// <c>SHA-512("phala-worker/report-data/v1" ‖ node_address(20) ‖ hpke_public_key(32) ‖ gpu_evidence_digest(32))</c>.
/// The GPU evidence digest is 32 zero bytes when the node has no GPU evidence.
/// </summary>
public static class ReportDataBinding
{
    /// <summary>The layout version carried next to the quote (AttestationBundle.report_data_version).</summary>
    public const int Version = 1;

    /// <summary>Length of the report_data field of a TD report.</summary>
    public const int ReportDataLength = 64;

    /// <summary>Length of the node's Ethereum address.</summary>
    public const int NodeAddressLength = 20;

    /// <summary>Length of the node's X25519 HPKE public key.</summary>
    public const int HpkePublicKeyLength = 32;

    /// <summary>Length of the GPU evidence digest.</summary>
    public const int GpuEvidenceDigestLength = 32;

    /// <summary>The ASCII domain separator that starts the hashed input.</summary>
    public const string Domain = "phala-worker/report-data/v1";

    private static readonly byte[] DomainBytes = Encoding.ASCII.GetBytes(Domain);

    /// <summary>Computes the 64-byte report_data. Pass an empty span as <paramref name="gpuEvidenceDigest32"/> for "no GPU evidence" (zeros).</summary>
    /// <exception cref="ArgumentException">A field has the wrong length.</exception>
    public static byte[] Compute(ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> hpkePublicKey32, ReadOnlySpan<byte> gpuEvidenceDigest32)
    {
        var result = new byte[ReportDataLength];
        Compute(nodeAddress20, hpkePublicKey32, gpuEvidenceDigest32, result);
        return result;
    }

    /// <summary>Computes the 64-byte report_data into <paramref name="destination"/>.</summary>
    public static void Compute(ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> hpkePublicKey32, ReadOnlySpan<byte> gpuEvidenceDigest32, Span<byte> destination)
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

        if (destination.Length < ReportDataLength)
        {
            throw new ArgumentException($"The destination must hold {ReportDataLength} bytes.", nameof(destination));
        }

        Span<byte> input = stackalloc byte[DomainBytes.Length + NodeAddressLength + HpkePublicKeyLength + GpuEvidenceDigestLength];
        DomainBytes.CopyTo(input);
        var offset = DomainBytes.Length;
        nodeAddress20.CopyTo(input[offset..]);
        offset += NodeAddressLength;
        hpkePublicKey32.CopyTo(input[offset..]);
        offset += HpkePublicKeyLength;
        if (gpuEvidenceDigest32.IsEmpty)
        {
            input.Slice(offset, GpuEvidenceDigestLength).Clear();
        }
        else
        {
            gpuEvidenceDigest32.CopyTo(input[offset..]);
        }

        SHA512.HashData(input, destination);
    }

    /// <summary>Recomputes the binding and compares it in constant time with the quoted report_data.</summary>
    public static bool Matches(ReadOnlySpan<byte> reportData64, ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> hpkePublicKey32, ReadOnlySpan<byte> gpuEvidenceDigest32)
    {
        if (reportData64.Length != ReportDataLength)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[ReportDataLength];
        Compute(nodeAddress20, hpkePublicKey32, gpuEvidenceDigest32, expected);
        return CryptographicOperations.FixedTimeEquals(expected, reportData64);
    }
}
