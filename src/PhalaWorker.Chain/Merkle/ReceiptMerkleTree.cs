using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Merkle;

/// <summary>
/// Merkle tree over receipt digests, as NodeRegistry verifies it: an inner node is keccak256(min(a,b) ‖ max(a,b))
/// (sorted pairs, so a proof is just the sibling list), an odd node at the end of a level is promoted unchanged,
/// and a one-leaf tree's root is the leaf.
/// </summary>
public sealed class ReceiptMerkleTree
{
    // levels[0] = leaves, levels[^1] = [root]; each level is a flat array of 32-byte nodes.
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
            leaves[i].CopyTo(level.AsSpan(i * 32, 32));
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

    /// <summary>Folds <paramref name="proof"/> into <paramref name="leaf"/> (the contract's <c>processProof</c>).</summary>
    public static Hash32 ComputeRoot(Hash32 leaf, IReadOnlyList<Hash32> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        Span<byte> current = stackalloc byte[32];
        leaf.CopyTo(current);
        Span<byte> next = stackalloc byte[32];
        foreach (var sibling in proof)
        {
            HashPair(current, sibling.AsSpan(), next);
            next.CopyTo(current);
        }

        return new Hash32(current);
    }

    /// <summary>Whether <paramref name="proof"/> proves <paramref name="leaf"/> under <paramref name="root"/>.</summary>
    public static bool Verify(Hash32 leaf, IReadOnlyList<Hash32> proof, Hash32 root) => ComputeRoot(leaf, proof) == root;

    /// <summary>keccak256(min(a,b) ‖ max(a,b)), bytes compared as unsigned big-endian numbers.</summary>
    public static Hash32 HashPair(Hash32 a, Hash32 b)
    {
        Span<byte> result = stackalloc byte[32];
        HashPair(a.AsSpan(), b.AsSpan(), result);
        return new Hash32(result);
    }

    private static void HashPair(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
    {
        Span<byte> pair = stackalloc byte[64];
        if (a.SequenceCompareTo(b) <= 0)
        {
            a.CopyTo(pair);
            b.CopyTo(pair[32..]);
        }
        else
        {
            b.CopyTo(pair);
            a.CopyTo(pair[32..]);
        }

        Keccak256.Hash(pair, destination);
    }
}
