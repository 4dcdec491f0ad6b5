using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Primitives;
using PropertyAttribute = FsCheck.NUnit.PropertyAttribute;

// FsCheck supplies the arguments of [Property] methods; NUnit.Analyzers does not know that.
#pragma warning disable NUnit1027

namespace PhalaWorker.Chain.Tests.Merkle;

public sealed class ReceiptMerkleTreeTests
{
    private static Hash32 Leaf(int i) => Keccak256.HashUtf8("receipt " + i);

    // The rule written out independently of the tree: leaf = keccak256(0x00 ‖ digest), inner = keccak256(0x01 ‖ min ‖ max).
    private static Hash32 L(Hash32 digest) => Keccak256.Hash([0x00, .. digest.ToArray()]);

    private static Hash32 SortedPair(Hash32 a, Hash32 b) =>
        a.AsSpan().SequenceCompareTo(b.AsSpan()) <= 0
            ? Keccak256.Hash([0x01, .. a.ToArray(), .. b.ToArray()])
            : Keccak256.Hash([0x01, .. b.ToArray(), .. a.ToArray()]);

    [Test]
    public void Root_OneLeaf_IsTheLeafHashWithEmptyProof()
    {
        var tree = new ReceiptMerkleTree([Leaf(0)]);

        Assert.That(tree.Root, Is.EqualTo(L(Leaf(0))));
        Assert.That(tree.Root, Is.Not.EqualTo(Leaf(0)));
        Assert.That(tree.GetProof(0), Is.Empty);
    }

    [Test]
    public void Root_TwoLeaves_IsInnerHashOfSortedLeafPair()
    {
        var tree = new ReceiptMerkleTree([Leaf(0), Leaf(1)]);

        Assert.That(tree.Root, Is.EqualTo(SortedPair(L(Leaf(0)), L(Leaf(1)))));
        Assert.That(new ReceiptMerkleTree([Leaf(1), Leaf(0)]).Root, Is.EqualTo(tree.Root));
        Assert.That(ReceiptMerkleTree.HashPair(L(Leaf(0)), L(Leaf(1))), Is.EqualTo(tree.Root));
    }

    [Test]
    public void Root_ThreeLeaves_PromotesOddNode()
    {
        var tree = new ReceiptMerkleTree([Leaf(0), Leaf(1), Leaf(2)]);

        Assert.That(tree.Root, Is.EqualTo(SortedPair(SortedPair(L(Leaf(0)), L(Leaf(1))), L(Leaf(2)))));
        Assert.That(tree.GetProof(2), Is.EqualTo(new[] { SortedPair(L(Leaf(0)), L(Leaf(1))) }));
    }

    [Test]
    public void Root_FiveLeaves_PromotesAcrossLevels()
    {
        var tree = new ReceiptMerkleTree([.. Enumerable.Range(0, 5).Select(Leaf)]);
        var left = SortedPair(SortedPair(L(Leaf(0)), L(Leaf(1))), SortedPair(L(Leaf(2)), L(Leaf(3))));

        Assert.That(tree.Root, Is.EqualTo(SortedPair(left, L(Leaf(4)))));
        Assert.That(tree.GetProof(4), Is.EqualTo(new[] { left }));
    }

    [Test]
    public void Verify_InnerNodePresentedAsReceiptDigest_Fails()
    {
        // Without domain separation the inner node over leaves 0 and 1, with the rest of leaf 0's proof, would fold to the root.
        var leaves = Enumerable.Range(0, 4).Select(Leaf).ToList();
        var tree = new ReceiptMerkleTree(leaves);
        var inner = SortedPair(L(leaves[0]), L(leaves[1]));
        var upperProof = tree.GetProof(0).Skip(1).ToList();

        Assert.That(ReceiptMerkleTree.HashPair(inner, upperProof[0]), Is.EqualTo(tree.Root), "the forged path is the real upper path");
        Assert.That(ReceiptMerkleTree.Verify(inner, upperProof, tree.Root), Is.False);
        Assert.That(ReceiptMerkleTree.Verify(tree.Root, [], tree.Root), Is.False);
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

    [Property(Replay = "20261123,7", MaxTest = 100)]
    public bool GetProof_AnyLeafOfAnyTree_VerifiesAndAnotherLeafDoesNot(byte size, int seed, byte pick)
    {
        var count = (size % 200) + 1;
        var leaves = Enumerable.Range(0, count).Select(i => Keccak256.HashUtf8($"{seed}/{i}")).ToList();
        var tree = new ReceiptMerkleTree(leaves);
        var index = pick % count;
        var proof = tree.GetProof(index);
        var other = Keccak256.HashUtf8($"{seed}/outsider");
        return ReceiptMerkleTree.Verify(leaves[index], proof, tree.Root)
            && !ReceiptMerkleTree.Verify(other, proof, tree.Root)
            && ReceiptMerkleTree.ComputeRoot(leaves[index], proof) == tree.Root;
    }

    [Test]
    public void ReceiptInclusionProof_JsonRoundTrip_KeepsEveryFieldAndVerifies()
    {
        var leaves = Enumerable.Range(0, 9).Select(Leaf).ToList();
        var tree = new ReceiptMerkleTree(leaves);
        var node = EthAddress.FromPrivateKey(Keccak256.HashUtf8("node").AsSpan());
        var proof = ReceiptInclusionProof.FromTree(tree, 7, node, 42);

        var parsed = ReceiptInclusionProof.Parse(proof.ToJson());

        Assert.That(parsed.Node, Is.EqualTo(node));
        Assert.That(parsed.BatchIndex, Is.EqualTo(42));
        Assert.That(parsed.Leaf, Is.EqualTo(leaves[7]));
        Assert.That(parsed.Proof, Is.EqualTo(proof.Proof));
        Assert.That(parsed.Root, Is.EqualTo(tree.Root));
        Assert.That(parsed.Verify(), Is.True);
    }

    [TestCase("[]")]
    [TestCase("{}")]
    [TestCase("{\"node\":\"0x00\",\"batchIndex\":1,\"leaf\":\"0x00\",\"proof\":[],\"root\":\"0x00\"}")]
    [TestCase("not json")]
    public void ReceiptInclusionProof_Malformed_ThrowsFormatException(string json)
    {
        Assert.Throws<FormatException>(() => ReceiptInclusionProof.Parse(json));
    }
}
