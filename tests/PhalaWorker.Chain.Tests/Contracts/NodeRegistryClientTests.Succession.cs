using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Tests.Contracts;

public sealed partial class NodeRegistryClientTests
{
    [Test]
    public async Task RetireNodeAsync_ByOperator_RetiresForGoodAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        var posted = await _registry.PostBatchAsync(node.Address, Keccak256.HashUtf8("before leaving"), 1, node, cancellationToken: Timeout());

        var retired = await _registry.RetireNodeAsync(node.Address, cancellationToken: Timeout());
        var info = await _registry.GetNodeAsync(node.Address, Timeout());

        Assert.That(retired.Event.Node, Is.EqualTo(node.Address));
        Assert.That(retired.Event.By, Is.EqualTo(_operator.Address));
        Assert.That(retired.Event.Successor, Is.EqualTo(EthAddress.Zero));
        Assert.That(info!.Retired, Is.True);
        Assert.That(info.Active, Is.False);
        Assert.That(info.RetiredAt, Is.GreaterThan(0));
        Assert.That((await _registry.GetBatchAsync(node.Address, posted.Event.BatchIndex, Timeout())).Root, Is.EqualTo(Keccak256.HashUtf8("before leaving")));
        var again = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout()));
        var post = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.PostBatchAsync(node.Address, Keccak256.HashUtf8("after"), 1, node, cancellationToken: Timeout()));
        var heartbeat = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.HeartbeatAtLatestBlockAsync(node.Address, Keccak256.HashUtf8("after"), node, Timeout()));
        var twice = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.RetireNodeAsync(node.Address, cancellationToken: Timeout()));
        Assert.That(again!.Error, Is.EqualTo(NodeRegistryError.NodeIsRetired));
        Assert.That(post!.Error, Is.EqualTo(NodeRegistryError.NodeNotActive));
        Assert.That(heartbeat!.Error, Is.EqualTo(NodeRegistryError.NodeNotActive));
        Assert.That(twice!.Error, Is.EqualTo(NodeRegistryError.NodeIsRetired));
    }

    [Test]
    public async Task RetireNodeAsync_ByTheNodeItself_AndNotByStrangerAsync()
    {
        using var node = EthSigner.Generate();
        await _sender.SendAsync(node.Address, ReadOnlyMemory<byte>.Empty, System.Numerics.BigInteger.Pow(10, 17), Timeout());
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        using var strangerKey = _env.Signer(5);
        using var strangerSender = _env.Sender(strangerKey);
        using var nodeSender = _env.Sender(node);
        var asStranger = new NodeRegistryClient(_env.Rpc, _registry.Address, _env.Anvil.ChainId, strangerSender);
        var asNode = new NodeRegistryClient(_env.Rpc, _registry.Address, _env.Anvil.ChainId, nodeSender);

        var stranger = Assert.ThrowsAsync<NodeRegistryException>(() => asStranger.RetireNodeAsync(node.Address, cancellationToken: Timeout()));
        var left = await asNode.RetireNodeAsync(node.Address, cancellationToken: Timeout());

        Assert.That(stranger!.Error, Is.EqualTo(NodeRegistryError.NotOperatorOrNode));
        Assert.That(left.Event.By, Is.EqualTo(node.Address));
    }

    [Test]
    public async Task RegisterNodeAsync_WithPredecessor_RetiresAndLinksItsReceiptsVerifyInSuccessorBatchAsync()
    {
        using var predecessor = EthSigner.Generate();
        using var successor = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(predecessor.Address), predecessor, cancellationToken: Timeout());
        // Receipts the predecessor signed and never posted (it was killed), then one of the successor's own.
        var receipts = Enumerable.Range(0, 3).Select(i => Receipt("restart " + i)).ToList();
        var signatures = receipts.Select(r => Sign(predecessor, r)).ToList();
        var own = Receipt("restart successor");
        receipts.Add(own);
        signatures.Add(Sign(successor, own));
        var signers = new[] { predecessor.Address, predecessor.Address, predecessor.Address, successor.Address };

        var registered = await _registry.RegisterNodeAsync(Registration(successor.Address) with { Predecessor = predecessor.Address }, successor, cancellationToken: Timeout());
        var tree = new ReceiptMerkleTree(receipts.Select(Digest).ToList());
        var posted = await _registry.PostBatchAsync(successor.Address, tree.Root, (uint)tree.Count, successor, cancellationToken: Timeout());
        var before = await _registry.GetNodeAsync(predecessor.Address, Timeout());
        var after = await _registry.GetNodeAsync(successor.Address, Timeout());

        var retiredEvent = registered.Receipt.Logs.Select(NodeRegistryClient.DecodeEvent).OfType<NodeRetiredEvent>().Single();
        Assert.That(retiredEvent.Node, Is.EqualTo(predecessor.Address));
        Assert.That(retiredEvent.Successor, Is.EqualTo(successor.Address));
        Assert.That(before!.Retired, Is.True);
        Assert.That(before.Active, Is.False);
        Assert.That(before.Successor, Is.EqualTo(successor.Address));
        Assert.That(after!.Predecessor, Is.EqualTo(predecessor.Address));
        for (var i = 0; i < receipts.Count; i++)
        {
            Assert.That(await _registry.VerifyReceiptAsync(signers[i], receipts[i], signatures[i], successor.Address, posted.Event.BatchIndex, tree.GetProof(i), Timeout()), Is.True, $"receipt {i}");
        }

        // Succession runs one way: the successor's receipt does not verify as the predecessor's, nor in an unrelated node's batch.
        Assert.That(await _registry.VerifyReceiptAsync(successor.Address, receipts[0], signatures[0], successor.Address, posted.Event.BatchIndex, tree.GetProof(0), Timeout()), Is.False);
        using var unrelated = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(unrelated.Address), unrelated, cancellationToken: Timeout());
        var foreign = await _registry.PostBatchAsync(unrelated.Address, tree.Root, (uint)tree.Count, unrelated, cancellationToken: Timeout());
        Assert.That(await _registry.VerifyReceiptAsync(predecessor.Address, receipts[0], signatures[0], unrelated.Address, foreign.Event.BatchIndex, tree.GetProof(0), Timeout()), Is.False);
    }

    [Test]
    public async Task VerifyReceiptAsync_TwoRestarts_FirstNodesReceiptVerifiesInThirdNodesBatchAsync()
    {
        using var first = EthSigner.Generate();
        using var second = EthSigner.Generate();
        using var third = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(first.Address), first, cancellationToken: Timeout());
        await _registry.RegisterNodeAsync(Registration(second.Address) with { Predecessor = first.Address }, second, cancellationToken: Timeout());
        await _registry.RegisterNodeAsync(Registration(third.Address) with { Predecessor = second.Address }, third, cancellationToken: Timeout());
        var receipt = Receipt("two restarts");
        var tree = new ReceiptMerkleTree([Digest(receipt), Digest(Receipt("other"))]);

        var posted = await _registry.PostBatchAsync(third.Address, tree.Root, 2, third, cancellationToken: Timeout());

        Assert.That(await _registry.VerifyReceiptAsync(first.Address, receipt, Sign(first, receipt), third.Address, posted.Event.BatchIndex, tree.GetProof(0), Timeout()), Is.True);
    }

    [Test]
    public async Task RegisterNodeAsync_BadPredecessor_IsRefusedAsync()
    {
        using var predecessor = EthSigner.Generate();
        using var taken = EthSigner.Generate();
        using var candidate = EthSigner.Generate();
        using var stranger = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(predecessor.Address), predecessor, cancellationToken: Timeout());
        await _registry.RegisterNodeAsync(Registration(taken.Address) with { Predecessor = predecessor.Address }, taken, cancellationToken: Timeout());
        using var otherOperator = _env.Signer(8);
        using var otherSender = _env.Sender(otherOperator);
        var asOtherOperator = new NodeRegistryClient(_env.Rpc, _registry.Address, _env.Anvil.ChainId, otherSender);

        var hasSuccessor = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.RegisterNodeAsync(Registration(candidate.Address) with { Predecessor = predecessor.Address }, candidate, cancellationToken: Timeout()));
        var otherOperators = Assert.ThrowsAsync<NodeRegistryException>(() => asOtherOperator.RegisterNodeAsync(Registration(candidate.Address) with { Predecessor = taken.Address }, candidate, cancellationToken: Timeout()));
        var unknown = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.RegisterNodeAsync(Registration(candidate.Address) with { Predecessor = stranger.Address }, candidate, cancellationToken: Timeout()));
        var itself = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.RegisterNodeAsync(Registration(candidate.Address) with { Predecessor = candidate.Address }, candidate, cancellationToken: Timeout()));

        Assert.That(hasSuccessor!.Error, Is.EqualTo(NodeRegistryError.PredecessorHasSuccessor));
        Assert.That(otherOperators!.Error, Is.EqualTo(NodeRegistryError.PredecessorNotOperated));
        Assert.That(unknown!.Error, Is.EqualTo(NodeRegistryError.InvalidPredecessor));
        Assert.That(itself!.Error, Is.EqualTo(NodeRegistryError.InvalidPredecessor));
        Assert.That((await _registry.GetNodeAsync(taken.Address, Timeout()))!.Active, Is.True);
    }
}
