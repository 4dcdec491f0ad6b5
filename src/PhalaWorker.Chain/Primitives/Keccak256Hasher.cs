using Org.BouncyCastle.Crypto.Digests;

namespace PhalaWorker.Chain.Primitives;

/// <summary>Incremental Keccak-256: <see cref="Append"/> any number of times, then <see cref="GetHash"/>.</summary>
public sealed class Keccak256Hasher
{
    private readonly KeccakDigest _digest = new(256);

    /// <summary>Feeds more data.</summary>
    public void Append(ReadOnlySpan<byte> data) => _digest.BlockUpdate(data);

    /// <summary>Returns the hash of everything appended and resets the hasher.</summary>
    public Hash32 GetHash()
    {
        Span<byte> hash = stackalloc byte[Keccak256.Size];
        _digest.DoFinal(hash);
        return new Hash32(hash);
    }
}
