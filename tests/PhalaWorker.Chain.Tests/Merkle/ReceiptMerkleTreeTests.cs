using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Tests.Merkle;

public sealed class ReceiptMerkleTreeTests
{
    private static Hash32 Leaf(int i) => Keccak256.HashUtf8("receipt " + i);

    private static Hash32 SortedPair(Hash32 a, Hash32 b) =>
        a.AsSpan().SequenceCompareTo(b.AsSpan()) <= 0 ? Keccak256.Hash(a.AsSpan(), b.AsSpan()) : Keccak256.Hash(b.AsSpan(), a.AsSpan());

    [Test]
    public void Root_OneLeaf_IsTheLeafWithEmptyProof()
    {
        var tree = new ReceiptMerkleTree([Leaf(0)]);

        Assert.That(tree.Root, Is.EqualTo(Leaf(0)));
        Assert.That(tree.GetProof(0), Is.Empty);
    }

    [Test]
    public void Root_TwoLeaves_IsKeccakOfSortedPair()
    {
        var tree = new ReceiptMerkleTree([Leaf(0), Leaf(1)]);

        Assert.That(tree.Root, Is.EqualTo(SortedPair(Leaf(0), Leaf(1))));
        Assert.That(new ReceiptMerkleTree([Leaf(1), Leaf(0)]).Root, Is.EqualTo(tree.Root));
    }

    [Test]
    public void Root_ThreeLeaves_PromotesOddNode()
    {
        var tree = new ReceiptMerkleTree([Leaf(0), Leaf(1), Leaf(2)]);

        Assert.That(tree.Root, Is.EqualTo(SortedPair(SortedPair(Leaf(0), Leaf(1)), Leaf(2))));
        Assert.That(tree.GetProof(2), Is.EqualTo(new[] { SortedPair(Leaf(0), Leaf(1)) }));
    }

    [Test]
    public void Root_FiveLeaves_PromotesAcrossLevels()
    {
        var tree = new ReceiptMerkleTree([.. Enumerable.Range(0, 5).Select(Leaf)]);
        var left = SortedPair(SortedPair(Leaf(0), Leaf(1)), SortedPair(Leaf(2), Leaf(3)));

        Assert.That(tree.Root, Is.EqualTo(SortedPair(left, Leaf(4))));
        Assert.That(tree.GetProof(4), Is.EqualTo(new[] { left }));
    }

    [Test]
    public void GetProof_EveryLeafOfSizesUpTo33_Verifies()
    {
        for (var size = 1; size <= 33; size++)
        {
            var leaves = Enumerable.Range(0, size).Select(Leaf).ToList();
            var tree = new ReceiptMerkleTree(leaves);
            for (var i = 0; i < size; i++)
            {
                var proof = tree.GetProof(i);
                Assert.That(ReceiptMerkleTree.Verify(leaves[i], proof, tree.Root), Is.True, $"size {size}, leaf {i}");
                Assert.That(proof, Has.Count.LessThanOrEqualTo((int)Math.Ceiling(Math.Log2(size))));
            }
        }
    }

    [Test]
    public void Verify_TamperedProofOrLeaf_Fails()
    {
        var leaves = Enumerable.Range(0, 6).Select(Leaf).ToList();
        var tree = new ReceiptMerkleTree(leaves);
        var proof = tree.GetProof(3).ToList();

        Assert.That(ReceiptMerkleTree.Verify(Leaf(99), proof, tree.Root), Is.False);
        proof[0] = Leaf(98);
        Assert.That(ReceiptMerkleTree.Verify(leaves[3], proof, tree.Root), Is.False);
        Assert.That(ReceiptMerkleTree.Verify(leaves[3], tree.GetProof(2), tree.Root), Is.False);
    }

    [Test]
    public void Constructor_NoLeaves_Throws()
    {
        Assert.Throws<ArgumentException>(() => _ = new ReceiptMerkleTree([]));
    }

    [Test]
    public void GetProof_IndexOutOfRange_Throws()
    {
        var tree = new ReceiptMerkleTree([Leaf(0), Leaf(1)]);

        Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetProof(2));
    }
}
