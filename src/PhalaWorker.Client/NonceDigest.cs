using System.Text;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Client;

/// <summary>keccak256("phala-worker/v1 attestation nonce" ‖ nonce ‖ keccak256(quote)): what the node signs per GetAttestation.</summary>
public static class NonceDigest
{
    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes("phala-worker/v1 attestation nonce");

    public static Hash32 Compute(ReadOnlySpan<byte> nonce, Hash32 quoteHash)
    {
        var hasher = Keccak256.CreateIncremental();
        hasher.Append(Prefix);
        hasher.Append(nonce);
        hasher.Append(quoteHash.AsSpan());
        return hasher.GetHash();
    }
}
