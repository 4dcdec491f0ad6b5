using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;

namespace PhalaWorker.Attestation.Gpu;

/// <summary>
/// The per-request GPU evidence binding (v1), shared by the agent and the SDK. report_data is fixed when the node boots,
/// so it cannot carry freshness for each <c>GetAttestation</c>; instead the node collects GPU evidence for a nonce derived
/// from the caller's nonce and its own keys, and signs it with the node key the quote binds:
/// <list type="bullet">
/// <item>fresh GPU nonce = <c>SHA-256("phala-worker/v1 gpu evidence nonce" ‖ caller_nonce(32) ‖ node_address(20) ‖ hpke_public_key(32))</c>;</item>
/// <item>signed digest = <c>keccak256("phala-worker/v1 fresh gpu evidence" ‖ caller_nonce ‖ SHA-256(fresh_gpu_evidence) ‖ SHA-256(gpu_collateral UTF-8))</c>,
/// signed raw (r ‖ s ‖ v, no EIP-191 prefix) by the node's secp256k1 key, like the attestation nonce signature.</item>
/// </list>
/// Keccak-256 is the original Keccak padding (Ethereum's), computed with BouncyCastle's <see cref="KeccakDigest"/>.
/// </summary>
public static class GpuEvidenceBinding
{
    /// <summary>The binding version carried in AttestationBundle.gpu_evidence_binding_version.</summary>
    public const int Version = 1;

    /// <summary>Length of the caller's nonce.</summary>
    public const int CallerNonceLength = 32;

    /// <summary>Length of the node's Ethereum address.</summary>
    public const int NodeAddressLength = 20;

    /// <summary>Length of the node's X25519 HPKE public key.</summary>
    public const int HpkePublicKeyLength = 32;

    /// <summary>Length of a raw secp256k1 signature r ‖ s ‖ v.</summary>
    public const int SignatureLength = 65;

    /// <summary>The ASCII domain separator of the fresh GPU nonce.</summary>
    public const string NonceDomain = "phala-worker/v1 gpu evidence nonce";

    /// <summary>The ASCII domain separator of the signed digest.</summary>
    public const string SignatureDomain = "phala-worker/v1 fresh gpu evidence";

    private static readonly byte[] NonceDomainBytes = Encoding.ASCII.GetBytes(NonceDomain);

    private static readonly byte[] SignatureDomainBytes = Encoding.ASCII.GetBytes(SignatureDomain);

    /// <summary>The 32-byte nonce the fresh GPU evidence must be requested with.</summary>
    /// <exception cref="ArgumentException">A field has the wrong length.</exception>
    public static byte[] DeriveNonce(ReadOnlySpan<byte> callerNonce32, ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> hpkePublicKey32)
    {
        RequireLength(callerNonce32, CallerNonceLength, "caller nonce", nameof(callerNonce32));
        RequireLength(nodeAddress20, NodeAddressLength, "node address", nameof(nodeAddress20));
        RequireLength(hpkePublicKey32, HpkePublicKeyLength, "HPKE public key", nameof(hpkePublicKey32));
        Span<byte> input = stackalloc byte[NonceDomainBytes.Length + CallerNonceLength + NodeAddressLength + HpkePublicKeyLength];
        NonceDomainBytes.CopyTo(input);
        var offset = NonceDomainBytes.Length;
        callerNonce32.CopyTo(input[offset..]);
        offset += CallerNonceLength;
        nodeAddress20.CopyTo(input[offset..]);
        offset += NodeAddressLength;
        hpkePublicKey32.CopyTo(input[offset..]);
        return SHA256.HashData(input);
    }

    /// <summary>The 32-byte Keccak-256 digest the node key signs over the fresh evidence and the stapled GPU collateral (empty string for none).</summary>
    /// <exception cref="ArgumentException">The caller nonce is not 32 bytes.</exception>
    public static byte[] SignatureDigest(ReadOnlySpan<byte> callerNonce32, ReadOnlySpan<byte> freshGpuEvidence, string gpuCollateral)
    {
        ArgumentNullException.ThrowIfNull(gpuCollateral);
        RequireLength(callerNonce32, CallerNonceLength, "caller nonce", nameof(callerNonce32));
        Span<byte> evidenceHash = stackalloc byte[32];
        SHA256.HashData(freshGpuEvidence, evidenceHash);
        var collateralHash = SHA256.HashData(Encoding.UTF8.GetBytes(gpuCollateral));
        var keccak = new KeccakDigest(256);
        keccak.BlockUpdate(SignatureDomainBytes);
        keccak.BlockUpdate(callerNonce32);
        keccak.BlockUpdate(evidenceHash);
        keccak.BlockUpdate(collateralHash);
        var digest = new byte[32];
        keccak.DoFinal(digest);
        return digest;
    }

    /// <summary>Domain of <see cref="HeartbeatDigest"/>.</summary>
    public const string HeartbeatDomain = "phala-worker/v1 heartbeat attestation";

    private static readonly byte[] HeartbeatDomainBytes = Encoding.ASCII.GetBytes(HeartbeatDomain);

    /// <summary>
    /// The <c>attestationDigest</c> a heartbeat of a node with GPU evidence carries: Keccak-256 of the domain ‖ quote hash ‖ the
    /// block hash the heartbeat names ‖ SHA-256 of GPU evidence collected fresh for that block (its caller nonce is the block
    /// hash, so the evidence cannot have existed before the block). A node without GPU evidence sends its quote hash.
    /// </summary>
    /// <exception cref="ArgumentException">The quote or block hash is not 32 bytes.</exception>
    public static byte[] HeartbeatDigest(ReadOnlySpan<byte> quoteHash32, ReadOnlySpan<byte> blockHash32, ReadOnlySpan<byte> freshGpuEvidence)
    {
        RequireLength(quoteHash32, 32, "quote hash", nameof(quoteHash32));
        RequireLength(blockHash32, CallerNonceLength, "block hash", nameof(blockHash32));
        Span<byte> evidenceHash = stackalloc byte[32];
        SHA256.HashData(freshGpuEvidence, evidenceHash);
        var keccak = new KeccakDigest(256);
        keccak.BlockUpdate(HeartbeatDomainBytes);
        keccak.BlockUpdate(quoteHash32);
        keccak.BlockUpdate(blockHash32);
        keccak.BlockUpdate(evidenceHash);
        var digest = new byte[32];
        keccak.DoFinal(digest);
        return digest;
    }

    private static void RequireLength(ReadOnlySpan<byte> value, int length, string what, string paramName)
    {
        if (value.Length != length)
        {
            throw new ArgumentException($"The {what} must be {length} bytes, got {value.Length}.", paramName);
        }
    }
}
