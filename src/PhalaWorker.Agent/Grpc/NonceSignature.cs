using System.Text;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Agent.Grpc;

/// <summary>keccak256("phala-worker/v1 attestation nonce" ‖ nonce ‖ keccak256(quote)), signed raw (no EIP-191 prefix).</summary>
internal static class NonceSignature
{
    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes("phala-worker/v1 attestation nonce");

    public static Hash32 Digest(ReadOnlySpan<byte> nonce, Hash32 quoteHash)
    {
        var buffer = new byte[Prefix.Length + nonce.Length + 32];
        Prefix.CopyTo(buffer, 0);
        nonce.CopyTo(buffer.AsSpan(Prefix.Length));
        quoteHash.AsSpan().CopyTo(buffer.AsSpan(Prefix.Length + nonce.Length));
        return Keccak256.Hash(buffer);
    }
}
