using Org.BouncyCastle.Crypto.Digests;

namespace PhalaWorker.Chain.Primitives;

/// <summary>Keccak-256 as Ethereum uses it (original Keccak padding, not NIST SHA3-256).</summary>
public static class Keccak256
{
    /// <summary>Digest size in bytes.</summary>
    public const int Size = 32;

    // KeccakDigest is stateful and not thread-safe; one per thread avoids allocation on every hash.
    [ThreadStatic]
    private static KeccakDigest? t_digest;

    /// <summary>Hashes <paramref name="data"/>.</summary>
    public static Hash32 Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Size];
        Hash(data, hash);
        return new Hash32(hash);
    }

    /// <summary>Hashes <paramref name="data"/> into the first 32 bytes of <paramref name="destination"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Size, nameof(destination));
        var digest = t_digest ??= new KeccakDigest(256);
        digest.BlockUpdate(data);
        digest.DoFinal(destination);
    }

    /// <summary>Hashes the concatenation of two spans without copying them together.</summary>
    public static Hash32 Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var digest = t_digest ??= new KeccakDigest(256);
        digest.BlockUpdate(first);
        digest.BlockUpdate(second);
        Span<byte> hash = stackalloc byte[Size];
        digest.DoFinal(hash);
        return new Hash32(hash);
    }

    /// <summary>Hashes the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static Hash32 HashUtf8(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Hash(System.Text.Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Creates an incremental hasher (for data arriving in pieces).</summary>
    public static Keccak256Hasher CreateIncremental() => new();
}
