using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Tests.Contracts;

public sealed partial class NodeRegistryClientTests
{
    [Test]
    public async Task HeartbeatAtLatestBlockAsync_Relayed_RecordsEpochBlockAndAttestationAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        var head = await _env.Rpc.GetBlockByNumberAsync(BlockTag.Latest, Timeout());
        var digest = Keccak256.HashUtf8("fresh attestation");

        var result = await _registry.HeartbeatAtLatestBlockAsync(node.Address, digest, node, Timeout());
        var info = await _registry.GetNodeAsync(node.Address, Timeout());
        var mined = await _env.Rpc.GetBlockByNumberAsync(BlockTag.FromNumber(result.Receipt.BlockNumber), Timeout());

        Assert.That(result.Event.Epoch, Is.EqualTo(1));
        Assert.That(result.Event.BlockNumber, Is.EqualTo(head!.Number));
        Assert.That(result.Event.AttestationDigest, Is.EqualTo(digest));
        Assert.That(info!.Epoch, Is.EqualTo(1));
        Assert.That(info.AttestationDigest, Is.EqualTo(digest));
        Assert.That(info.HeartbeatBlock, Is.EqualTo(head.Number));
        Assert.That(info.LastHeartbeat, Is.EqualTo(mined!.Timestamp));
    }

    [Test]
    public async Task HeartbeatAtLatestBlockAsync_DigestForBlock_IsComputedForTheBlockTheHeartbeatNamesAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        (ulong Number, Hash32 Hash)? asked = null;

        var result = await _registry.HeartbeatAtLatestBlockAsync(node.Address, (number, hash, _) =>
        {
            asked = (number, hash);
            return Task.FromResult(Keccak256.Hash([.. "evidence for "u8, .. hash.AsSpan()]));
        }, node, Timeout());
        var named = await _env.Rpc.GetBlockByNumberAsync(BlockTag.FromNumber(result.Event.BlockNumber), Timeout());

        Assert.That(asked, Is.Not.Null);
        Assert.That(asked!.Value.Number, Is.EqualTo(result.Event.BlockNumber), "the digest is made for the block the heartbeat names");
        Assert.That(asked.Value.Hash, Is.EqualTo(named!.Hash));
        Assert.That(result.Event.AttestationDigest, Is.EqualTo(Keccak256.Hash([.. "evidence for "u8, .. named.Hash.AsSpan()])));
    }

    [Test]
    public async Task HeartbeatAsync_SameSignedHeartbeatTwice_ThrowsStaleHeartbeatAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        var head = await _env.Rpc.GetBlockByNumberAsync(BlockTag.Latest, Timeout());
        var digest = Keccak256.HashUtf8("attestation");
        var signature = NodeRegistryTypedData.Sign(node, NodeRegistryTypedData.HeartbeatDigest(node.Address, 1, digest, head!.Number, head.Hash, _env.Anvil.ChainId, _registry.Address));
        await _registry.HeartbeatAsync(node.Address, 1, digest, head.Number, head.Hash, signature, cancellationToken: Timeout());

        var replay = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.HeartbeatAsync(node.Address, 1, digest, head.Number, head.Hash, signature, cancellationToken: Timeout()));

        Assert.That(replay!.Error, Is.EqualTo(NodeRegistryError.StaleHeartbeat));
    }

    [Test]
    public async Task HeartbeatAsync_SignedBeforeReRegistration_IsRefusedAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        var head = await _env.Rpc.GetBlockByNumberAsync(BlockTag.Latest, Timeout());
        var digest = Keccak256.HashUtf8("old attestation");
        // Signed in epoch 1 and kept by the host ...
        var old = NodeRegistryTypedData.Sign(node, NodeRegistryTypedData.HeartbeatDigest(node.Address, 1, digest, head!.Number, head.Hash, _env.Anvil.ChainId, _registry.Address));
        await _registry.DeregisterAsync(node.Address, cancellationToken: Timeout());
        await _registry.RegisterNodeAsync(Registration(node.Address, "https://again.example"), node, cancellationToken: Timeout());

        // ... and replayed in epoch 2 (its block is still within the 256-block window).
        var asSigned = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.HeartbeatAsync(node.Address, 1, digest, head.Number, head.Hash, old, cancellationToken: Timeout()));
        var relabelled = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.HeartbeatAsync(node.Address, 2, digest, head.Number, head.Hash, old, cancellationToken: Timeout()));

        Assert.That(asSigned!.Error, Is.EqualTo(NodeRegistryError.WrongEpoch));
        Assert.That(relabelled!.Error, Is.EqualTo(NodeRegistryError.WrongSigner));
        Assert.That((await _registry.GetNodeAsync(node.Address, Timeout()))!.HeartbeatBlock, Is.Zero);
    }

    [Test]
    public async Task HeartbeatAsync_FutureOrUnknownBlock_ThrowsUnknownBlockAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        var head = await _env.Rpc.GetBlockByNumberAsync(BlockTag.Latest, Timeout());
        var digest = Keccak256.HashUtf8("pre-minted");
        Task SendAsync(ulong number, Hash32 hash) => _registry.HeartbeatAsync(node.Address, 1, digest, number, hash, node, cancellationToken: Timeout());

        // A host with a clock set ahead would sign for a block that does not exist yet: its hash cannot be known.
        var future = Assert.ThrowsAsync<NodeRegistryException>(() => SendAsync(head!.Number + 10, Keccak256.HashUtf8("guessed")));
        var current = Assert.ThrowsAsync<NodeRegistryException>(() => SendAsync(head!.Number + 1, Keccak256.HashUtf8("guessed")));
        var wrongHash = Assert.ThrowsAsync<NodeRegistryException>(() => SendAsync(head!.Number, head.ParentHash));
        var zeroHash = Assert.ThrowsAsync<NodeRegistryException>(() => SendAsync(head!.Number, Hash32.Zero));

        Assert.That(future!.Error, Is.EqualTo(NodeRegistryError.UnknownBlock));
        Assert.That(current!.Error, Is.EqualTo(NodeRegistryError.UnknownBlock));
        Assert.That(wrongHash!.Error, Is.EqualTo(NodeRegistryError.UnknownBlock));
        Assert.That(zeroHash!.Error, Is.EqualTo(NodeRegistryError.UnknownBlock));
    }

    [Test]
    public async Task HeartbeatAsync_BlockOlderThan256_ThrowsUnknownBlockAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        var head = await _env.Rpc.GetBlockByNumberAsync(BlockTag.Latest, Timeout());
        var digest = Keccak256.HashUtf8("kept too long");
        var signature = NodeRegistryTypedData.Sign(node, NodeRegistryTypedData.HeartbeatDigest(node.Address, 1, digest, head!.Number, head.Hash, _env.Anvil.ChainId, _registry.Address));
        await _env.Anvil.RpcAsync("anvil_mine", "[\"0x101\"]", Timeout());

        var ex = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.HeartbeatAsync(node.Address, 1, digest, head.Number, head.Hash, signature, cancellationToken: Timeout()));

        Assert.That(ex!.Error, Is.EqualTo(NodeRegistryError.UnknownBlock));
    }
}
