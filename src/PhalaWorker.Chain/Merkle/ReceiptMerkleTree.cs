using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Merkle;

/// <summary>
/// Merkle tree over receipt digests, as NodeRegistry verifies it. Leaves and inner nodes are domain separated, so an
/// inner node can never pass for a receipt: the leaf of a receipt digest d is keccak256(0x00 ‖ d), an inner node is
/// keccak256(0x01 ‖ min(a,b) ‖ max(a,b)) (sorted pairs, so a proof is just the sibling list), an odd node at the end of
/// a level is promoted unchanged, and a one-leaf tree's root is that leaf's hash.
/// </summary>
public sealed class ReceiptMerkleTree
{
    /// <summary>The byte before a receipt digest in a leaf hash.</summary>
    public const byte LeafPrefix = 0x00;

    /// <summary>The byte before the sorted pair in an inner node hash.</summary>
    public const byte InnerPrefix = 0x01;

    // levels[0] = leaf hashes, levels[^1] = [root]; each level is a flat array of 32-byte nodes.
    private readonly byte[][] _levels;

    public ReceiptMerkleTree(IReadOnlyList<Hash32> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        if (leaves.Count == 0)
        {
            throw new ArgumentException("A Merkle tree needs at least one leaf.", nameof(leaves));
        }

        Leaves = leaves.ToArray();
        var levels = new List<byte[]>();
        var level = new byte[leaves.Count * 32];
        for (var i = 0; i < leaves.Count; i++)
        {
            LeafHash(leaves[i].AsSpan(), level.AsSpan(i * 32, 32));
        }

        levels.Add(level);
        while (level.Length > 32)
        {
            var count = level.Length / 32;
            var next = new byte[((count + 1) / 2) * 32];
            for (var i = 0; i < count / 2; i++)
            {
                HashPair(level.AsSpan(2 * i * 32, 32), level.AsSpan(((2 * i) + 1) * 32, 32), next.AsSpan(i * 32, 32));
            }

            if (count % 2 == 1)
            {
                level.AsSpan((count - 1) * 32, 32).CopyTo(next.AsSpan((count / 2) * 32, 32));
            }

            levels.Add(next);
            level = next;
        }

        _levels = [.. levels];
        Root = new Hash32(level);
    }

    public Hash32 Root { get; }

    /// <summary>The receipt digests, in order (their leaf hashes are <see cref="LeafHash(Hash32)"/>).</summary>
    public IReadOnlyList<Hash32> Leaves { get; }

    public int Count => Leaves.Count;

    /// <summary>The sibling hashes from the leaf up to the root (empty for a one-leaf tree).</summary>
    public IReadOnlyList<Hash32> GetProof(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var proof = new List<Hash32>();
        for (var depth = 0; depth < _levels.Length - 1; depth++)
        {
            var nodes = _levels[depth].Length / 32;
            var sibling = index ^ 1;
            if (sibling < nodes)
            {
                proof.Add(new Hash32(_levels[depth].AsSpan(sibling * 32, 32)));
            }

            index >>= 1;
        }

        return proof;
    }

    /// <summary>Folds <paramref name="proof"/> into the leaf of <paramref name="receiptDigest"/> (the contract's <c>processProof</c>).</summary>
    public static Hash32 ComputeRoot(Hash32 receiptDigest, IReadOnlyList<Hash32> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        Span<byte> current = stackalloc byte[32];
        LeafHash(receiptDigest.AsSpan(), current);
        Span<byte> next = stackalloc byte[32];
        foreach (var sibling in proof)
        {
            HashPair(current, sibling.AsSpan(), next);
            next.CopyTo(current);
        }

        return new Hash32(current);
    }

    /// <summary>Whether <paramref name="proof"/> proves <paramref name="receiptDigest"/> under <paramref name="root"/>.</summary>
    public static bool Verify(Hash32 receiptDigest, IReadOnlyList<Hash32> proof, Hash32 root) => ComputeRoot(receiptDigest, proof) == root;

    /// <summary>The leaf of a receipt digest: keccak256(0x00 ‖ <paramref name="receiptDigest"/>).</summary>
    public static Hash32 LeafHash(Hash32 receiptDigest)
    {
        Span<byte> result = stackalloc byte[32];
        LeafHash(receiptDigest.AsSpan(), result);
        return new Hash32(result);
    }

    /// <summary>An inner node: keccak256(0x01 ‖ min(a,b) ‖ max(a,b)), bytes compared as unsigned big-endian numbers.</summary>
    public static Hash32 HashPair(Hash32 a, Hash32 b)
    {
        Span<byte> result = stackalloc byte[32];
        HashPair(a.AsSpan(), b.AsSpan(), result);
        return new Hash32(result);
    }

    private static void LeafHash(ReadOnlySpan<byte> receiptDigest, Span<byte> destination)
    {
        Span<byte> leaf = stackalloc byte[33];
        leaf[0] = LeafPrefix;
        receiptDigest.CopyTo(leaf[1..]);
        Keccak256.Hash(leaf, destination);
    }

    private static void HashPair(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
    {
        Span<byte> pair = stackalloc byte[65];
        pair[0] = InnerPrefix;
        if (a.SequenceCompareTo(b) <= 0)
        {
            a.CopyTo(pair[1..]);
            b.CopyTo(pair[33..]);
        }
        else
        {
            b.CopyTo(pair[1..]);
            a.CopyTo(pair[33..]);
        }

        Keccak256.Hash(pair, destination);
    }
}
