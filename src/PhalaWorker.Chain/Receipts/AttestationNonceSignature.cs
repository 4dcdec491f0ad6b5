using System.Text;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Receipts;

/// <summary>
/// The node's signature over an attestation challenge (<c>AttestationBundle.nonce_signature</c>), the one definition the
/// agent signs with and the SDK verifies with:
/// <code>
/// digest    = keccak256( ASCII "phala-worker/v1 attestation nonce" ‖ nonce (32) ‖ keccak256(quote) )
/// signature = r (32) ‖ s (32) ‖ v (1; 27 or 28), secp256k1 over the raw digest (no EIP-191 prefix)
/// </code>
/// </summary>
public static class AttestationNonceSignature
{
    /// <summary>The domain-separation prefix.</summary>
    public const string Prefix = "phala-worker/v1 attestation nonce";

    /// <summary>The length of the caller's nonce (<c>GetAttestationRequest.nonce</c>).</summary>
    public const int NonceLength = 32;

    private static readonly byte[] s_prefix = Encoding.ASCII.GetBytes(Prefix);

    /// <summary>The signed hash.</summary>
    public static Hash32 Hash(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> quote) => Hash(nonce, Keccak256.Hash(quote));

    /// <summary>The signed hash, from the quote's hash (<c>keccak256(quote)</c>, the registry's quote hash).</summary>
    public static Hash32 Hash(ReadOnlySpan<byte> nonce, Hash32 quoteHash)
    {
        var hasher = Keccak256.CreateIncremental();
        hasher.Append(s_prefix);
        hasher.Append(nonce);
        hasher.Append(quoteHash.AsSpan());
        return hasher.GetHash();
    }

    /// <summary>Signs the challenge: 65 bytes r‖s‖v, v = 27/28.</summary>
    public static byte[] Sign(EthSigner signer, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> quote)
    {
        ArgumentNullException.ThrowIfNull(signer);
        return signer.SignHash(Hash(nonce, quote)).ToBytes65();
    }

    /// <summary>Whether <paramref name="node"/> signed this nonce and quote (false for any malformed signature).</summary>
    public static bool Verify(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> quote, ReadOnlySpan<byte> signature65, EthAddress node)
    {
        if (signature65.Length != 65 || signature65[64] is not (27 or 28 or 0 or 1))
        {
            return false;
        }

        return Secp256k1.TryRecover(Hash(nonce, quote), EthSignature.FromBytes65(signature65), out var signer) && signer == node;
    }
}
