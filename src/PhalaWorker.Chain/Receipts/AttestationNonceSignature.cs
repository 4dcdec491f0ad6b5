using System.Text;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Receipts;

/// <summary>
/// The node's signature over an attestation challenge (PLAN.md): the node signs
/// keccak256(ASCII "phala-worker/v1 attestation nonce" ‖ nonce ‖ keccak256(quote)) raw (no EIP-191 prefix), v = 27/28.
/// </summary>
public static class AttestationNonceSignature
{
    /// <summary>The domain-separation prefix.</summary>
    public const string Prefix = "phala-worker/v1 attestation nonce";

    private static readonly byte[] s_prefix = Encoding.ASCII.GetBytes(Prefix);

    /// <summary>The signed hash.</summary>
    public static Hash32 Hash(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> quote)
    {
        var hasher = Keccak256.CreateIncremental();
        hasher.Append(s_prefix);
        hasher.Append(nonce);
        hasher.Append(Keccak256.Hash(quote).AsSpan());
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
