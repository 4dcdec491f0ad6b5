using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Chain.Tests.Contracts;

[Category("Anvil")]
public sealed partial class NodeRegistryClientTests
{
    private ChainTestEnvironment _env = null!;
    private EthSigner _operator = null!;
    private TransactionSender _sender = null!;
    private NodeRegistryClient _registry = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _env = await ChainTestEnvironment.StartAsync();
        _operator = _env.Signer(0);
        _sender = _env.Sender(_operator);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _registry = await NodeRegistryClient.DeployAsync(_sender, cancellationToken: cts.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _sender.Dispose();
        _operator.Dispose();
        await _env.DisposeAsync();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static NodeRegistration Registration(EthAddress node, string endpoint = "https://node.example:8443") => new(
        node,
        Keccak256.HashUtf8("hpke-" + node),
        endpoint,
        2,
        Keccak256.HashUtf8("quote"),
        Keccak256.HashUtf8("mrtd"),
        Keccak256.HashUtf8("rtmr"),
        Keccak256.HashUtf8("report-data"));

    private static JobReceiptData Receipt(string label) => new(
        Keccak256.HashUtf8("job " + label), Keccak256.HashUtf8("model"), Keccak256.HashUtf8("in " + label), Keccak256.HashUtf8("out " + label),
        Keccak256.HashUtf8("quote"), 1_763_900_000, "cpu");

    private Hash32 Digest(JobReceiptData receipt) => JobReceiptTypedData.Digest(receipt, _env.Anvil.ChainId, _registry.Address);

    private byte[] Sign(EthSigner signer, JobReceiptData receipt) => JobReceiptTypedData.Sign(signer, receipt, _env.Anvil.ChainId, _registry.Address);

    [Test]
    public async Task DeployAsync_DeploysCode_DomainSeparatorMatchesOffChainAsync()
    {
        var code = await _env.Rpc.GetCodeAsync(_registry.Address, cancellationToken: Timeout());
        var onChain = await _registry.DomainSeparatorAsync(Timeout());

        Assert.That(code, Is.Not.Empty);
        Assert.That(onChain, Is.EqualTo(NodeRegistryTypedData.DomainSeparator(_env.Anvil.ChainId, _registry.Address)));
    }

    [Test]
    public async Task RegisterNodeAsync_NodeSigned_StoresNodeAndEmitsEventAsync()
    {
        using var node = EthSigner.Generate();
        var registration = Registration(node.Address);

        var result = await _registry.RegisterNodeAsync(registration, node, cancellationToken: Timeout());
        var info = await _registry.GetNodeAsync(node.Address, Timeout());

        Assert.That(result.Receipt.Succeeded, Is.True);
        Assert.That(result.Event.Node, Is.EqualTo(node.Address));
        Assert.That(result.Event.Operator, Is.EqualTo(_operator.Address));
        Assert.That(result.Event.Endpoint, Is.EqualTo(registration.Endpoint));
        Assert.That(info, Is.Not.Null);
        Assert.That(info!.Active, Is.True);
        Assert.That(info.Operator, Is.EqualTo(_operator.Address));
        Assert.That(info.HpkePublicKey, Is.EqualTo(registration.HpkePublicKey));
        Assert.That(info.Endpoint, Is.EqualTo(registration.Endpoint));
        Assert.That(info.TeeType, Is.EqualTo(2));
        Assert.That(info.QuoteHash, Is.EqualTo(registration.QuoteHash));
        Assert.That(info.MrtdHash, Is.EqualTo(registration.MrtdHash));
        Assert.That(info.RtmrDigest, Is.EqualTo(registration.RtmrDigest));
        Assert.That(info.ReportDataHash, Is.EqualTo(registration.ReportDataHash));
        Assert.That(await _registry.GetRegistrationNonceAsync(node.Address, Timeout()), Is.EqualTo(System.Numerics.BigInteger.One));
    }

    [Test]
    public async Task RegisterNodeAsync_SignatureByAnotherKey_ThrowsWrongSignerAsync()
    {
        using var node = EthSigner.Generate();
        using var impostor = EthSigner.Generate();
        var registration = Registration(node.Address);
        var digest = NodeRegistryTypedData.RegistrationDigest(registration, _operator.Address, 0, _env.Anvil.ChainId, _registry.Address);

        var ex = Assert.ThrowsAsync<NodeRegistryException>(() =>
            _registry.RegisterNodeAsync(registration, NodeRegistryTypedData.Sign(impostor, digest), cancellationToken: Timeout()));

        Assert.That(ex!.Error, Is.EqualTo(NodeRegistryError.WrongSigner));
        Assert.That(ex.Message, Does.Contain("WrongSigner"));
    }

    [Test]
    public async Task RegisterNodeAsync_AlreadyActive_ThrowsNodeAlreadyActiveAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());

        var ex = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout()));

        Assert.That(ex!.Error, Is.EqualTo(NodeRegistryError.NodeAlreadyActive));
    }

    [Test]
    public async Task PostBatchAsync_ThenVerifyReceipt_OnChainAndOffChainAgreeAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        var receipts = Enumerable.Range(0, 5).Select(i => Receipt("receipt " + i)).ToList();
        var digests = receipts.Select(Digest).ToList();
        var tree = new ReceiptMerkleTree(digests);

        var first = await _registry.PostBatchAsync(node.Address, Keccak256.HashUtf8("earlier batch"), 1, node, cancellationToken: Timeout());
        var posted = await _registry.PostBatchAsync(node.Address, tree.Root, (uint)tree.Count, node, cancellationToken: Timeout());
        var batch = await _registry.GetBatchAsync(node.Address, posted.Event.BatchIndex, Timeout());

        Assert.That(first.Event.BatchIndex, Is.EqualTo(0));
        Assert.That(posted.Event.BatchIndex, Is.EqualTo(1));
        Assert.That(batch.Root, Is.EqualTo(tree.Root));
        Assert.That(batch.Count, Is.EqualTo(5));
        for (var i = 0; i < digests.Count; i++)
        {
            var proof = tree.GetProof(i);
            var signature = Sign(node, receipts[i]);
            Assert.That(ReceiptMerkleTree.Verify(digests[i], proof, tree.Root), Is.True);
            Assert.That(await _registry.VerifyReceiptAsync(node.Address, receipts[i], signature, node.Address, 1, proof, Timeout()), Is.True, $"leaf {i}");
        }

        var otherSignature = Sign(_operator, receipts[0]);
        Assert.That(await _registry.VerifyReceiptAsync(node.Address, receipts[0], otherSignature, node.Address, 1, tree.GetProof(0), Timeout()), Is.False, "signed by another key");
        Assert.That(await _registry.VerifyReceiptAsync(_operator.Address, receipts[0], otherSignature, node.Address, 1, tree.GetProof(0), Timeout()), Is.False, "signer is not the batch's node");
        var outsider = Receipt("not in batch");
        Assert.That(await _registry.VerifyReceiptAsync(node.Address, outsider, Sign(node, outsider), node.Address, 1, tree.GetProof(0), Timeout()), Is.False, "not in the batch");
        Assert.That(await _registry.VerifyReceiptAsync(node.Address, receipts[0], Sign(node, receipts[0]), node.Address, 0, tree.GetProof(0), Timeout()), Is.False, "another batch");
        var missing = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.GetBatchAsync(node.Address, 9, Timeout()));
        Assert.That(missing!.Error, Is.EqualTo(NodeRegistryError.BatchNotFound));
        var missingVerify = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.VerifyReceiptAsync(node.Address, receipts[0], Sign(node, receipts[0]), node.Address, 9, [], Timeout()));
        Assert.That(missingVerify!.Error, Is.EqualTo(NodeRegistryError.BatchNotFound));
    }

    [TestCase("jobId")]
    [TestCase("modelHash")]
    [TestCase("inputHash")]
    [TestCase("outputHash")]
    [TestCase("quoteHash")]
    [TestCase("finishedAt")]
    [TestCase("backend")]
    public async Task VerifyReceiptAsync_AlteredField_ReturnsFalseAsync(string field)
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        var receipts = Enumerable.Range(0, 3).Select(i => Receipt($"altered {field} {i}")).ToList();
        var tree = new ReceiptMerkleTree(receipts.Select(Digest).ToList());
        var posted = await _registry.PostBatchAsync(node.Address, tree.Root, 3, node, cancellationToken: Timeout());
        var signature = Sign(node, receipts[1]);
        var other = Keccak256.HashUtf8("altered");
        var altered = field switch
        {
            "jobId" => receipts[1] with { JobId = other },
            "modelHash" => receipts[1] with { ModelHash = other },
            "inputHash" => receipts[1] with { InputHash = other },
            "outputHash" => receipts[1] with { OutputHash = other },
            "quoteHash" => receipts[1] with { QuoteHash = other },
            "finishedAt" => receipts[1] with { FinishedAt = receipts[1].FinishedAt + 1 },
            _ => receipts[1] with { Backend = "cuda" },
        };

        Assert.That(await _registry.VerifyReceiptAsync(node.Address, receipts[1], signature, node.Address, posted.Event.BatchIndex, tree.GetProof(1), Timeout()), Is.True);
        Assert.That(await _registry.VerifyReceiptAsync(node.Address, altered, signature, node.Address, posted.Event.BatchIndex, tree.GetProof(1), Timeout()), Is.False);
    }

    [Test]
    public async Task PostBatchAsync_SentByNodeItself_NeedsNoSignatureAsync()
    {
        // The node pays its own gas here: fund it from the operator.
        using var node = EthSigner.Generate();
        await _sender.SendAsync(node.Address, ReadOnlyMemory<byte>.Empty, System.Numerics.BigInteger.Pow(10, 18), Timeout());
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        using var nodeSender = _env.Sender(node);
        var asNode = new NodeRegistryClient(_env.Rpc, _registry.Address, _env.Anvil.ChainId, nodeSender);

        var posted = await asNode.PostBatchAsync(node.Address, Keccak256.HashUtf8("root"), 3, null, cancellationToken: Timeout());

        Assert.That(posted.Event.Count, Is.EqualTo(3));
        Assert.That(posted.Receipt.From, Is.EqualTo(node.Address));
    }

    [Test]
    public async Task DeregisterAsync_ByOperator_DeactivatesAndBlocksPostingAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());

        var result = await _registry.DeregisterAsync(node.Address, cancellationToken: Timeout());

        Assert.That(result.Event.By, Is.EqualTo(_operator.Address));
        Assert.That(await _registry.IsActiveAsync(node.Address, Timeout()), Is.False);
        var ex = Assert.ThrowsAsync<NodeRegistryException>(() => _registry.PostBatchAsync(node.Address, Keccak256.HashUtf8("r"), 1, node, cancellationToken: Timeout()));
        Assert.That(ex!.Error, Is.EqualTo(NodeRegistryError.NodeNotActive));
        // Re-registration after deregistration uses the next nonce.
        var again = await _registry.RegisterNodeAsync(Registration(node.Address, "https://moved.example"), node, cancellationToken: Timeout());
        Assert.That(again.Event.Endpoint, Is.EqualTo("https://moved.example"));
    }

    [Test]
    public async Task DeregisterAsync_ByStranger_ThrowsNotOperatorOrNodeAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        using var strangerKey = _env.Signer(5);
        using var strangerSender = _env.Sender(strangerKey);
        var asStranger = new NodeRegistryClient(_env.Rpc, _registry.Address, _env.Anvil.ChainId, strangerSender);

        var ex = Assert.ThrowsAsync<NodeRegistryException>(() => asStranger.DeregisterAsync(node.Address, cancellationToken: Timeout()));

        Assert.That(ex!.Error, Is.EqualTo(NodeRegistryError.NotOperatorOrNode));
    }

    [Test]
    public async Task ListNodesAsync_Paged_ReturnsRegisteredNodesInOrderAsync()
    {
        var registry = await NodeRegistryClient.DeployAsync(_sender, cancellationToken: Timeout());
        var nodes = Enumerable.Range(0, 3).Select(_ => EthSigner.Generate()).ToList();
        try
        {
            foreach (var node in nodes)
            {
                await registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
            }

            var count = await registry.NodeCountAsync(Timeout());
            var page1 = await registry.ListNodesAsync(0, 2, Timeout());
            var page2 = await registry.ListNodesAsync(2, 2, Timeout());
            var beyond = await registry.ListNodesAsync(5, 2, Timeout());
            var infos = await registry.GetNodesAsync([.. page1, .. page2], Timeout());

            Assert.That(count, Is.EqualTo(3));
            Assert.That(page1.Concat(page2), Is.EqualTo(nodes.Select(n => n.Address)));
            Assert.That(beyond, Is.Empty);
            Assert.That(infos.Select(i => i.Node), Is.EqualTo(nodes.Select(n => n.Address)));
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
        }
    }

    [Test]
    public async Task GetEventsAsync_AfterActivity_DecodesEveryEventKindAsync()
    {
        var registry = await NodeRegistryClient.DeployAsync(_sender, cancellationToken: Timeout());
        using var node = EthSigner.Generate();
        using var successor = EthSigner.Generate();
        var from = await _env.Rpc.BlockNumberAsync(Timeout());
        await registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        await registry.HeartbeatAtLatestBlockAsync(node.Address, Keccak256.HashUtf8("a"), node, Timeout());
        await registry.PostBatchAsync(node.Address, Keccak256.HashUtf8("r"), 1, node, cancellationToken: Timeout());
        await registry.DeregisterAsync(node.Address, cancellationToken: Timeout());
        await registry.RegisterNodeAsync(Registration(successor.Address) with { Predecessor = node.Address }, successor, cancellationToken: Timeout());
        var profile = Profile("events");
        await registry.AllowMeasurementsAsync(profile, cancellationToken: Timeout());
        await registry.RevokeMeasurementsAsync(profile.Id, cancellationToken: Timeout());

        var events = await registry.GetEventsAsync(from + 1, BlockTag.Latest, Timeout()); // after the deployment (OwnershipTransferred)

        Assert.That(events.Select(e => e.GetType()), Is.EqualTo(new[]
        {
            typeof(NodeRegisteredEvent), typeof(NodeHeartbeatEvent), typeof(BatchPostedEvent), typeof(NodeDeregisteredEvent),
            typeof(NodeRetiredEvent), typeof(NodeRegisteredEvent), typeof(MeasurementsAllowedEvent), typeof(MeasurementsRevokedEvent),
        }));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(16)]
    [TestCase(33)]
    public async Task ProcessProof_OnChain_MatchesOffChainTreeAsync(int size)
    {
        var leaves = Enumerable.Range(0, size).Select(i => Keccak256.HashUtf8($"leaf {size}/{i}")).ToList();
        var tree = new ReceiptMerkleTree(leaves);
        for (var i = 0; i < size; i++)
        {
            var calldata = NodeRegistryCodec.Encode(new ProcessProofFunction { Proof = [.. tree.GetProof(i).Select(p => p.ToArray())], ReceiptDigest = leaves[i].ToArray() });
            // processProof takes the receipt digest and hashes it into its leaf itself
            var output = await _env.Rpc.CallAsync(new CallRequest { To = _registry.Address, Data = calldata }, cancellationToken: Timeout());
            Assert.That(new Hash32(NodeRegistryCodec.DecodeReturn<ProcessProofFunction, byte[]>(output)), Is.EqualTo(tree.Root), $"leaf {i}");
        }
    }

    [Test]
    public async Task ProcessProof_InnerNodePresentedAsReceiptDigest_DoesNotReachRootAsync()
    {
        var leaves = Enumerable.Range(0, 4).Select(i => Keccak256.HashUtf8($"inner attack {i}")).ToList();
        var tree = new ReceiptMerkleTree(leaves);
        var inner = ReceiptMerkleTree.HashPair(ReceiptMerkleTree.LeafHash(leaves[0]), ReceiptMerkleTree.LeafHash(leaves[1]));
        var upper = tree.GetProof(0).Skip(1).ToList();
        var output = await _env.Rpc.CallAsync(new CallRequest { To = _registry.Address, Data = NodeRegistryCodec.Encode(new ProcessProofFunction { Proof = [.. upper.Select(p => p.ToArray())], ReceiptDigest = inner.ToArray() }) }, cancellationToken: Timeout());

        Assert.That(ReceiptMerkleTree.HashPair(inner, upper[0]), Is.EqualTo(tree.Root), "the inner node does sit on the root path");
        Assert.That(new Hash32(NodeRegistryCodec.DecodeReturn<ProcessProofFunction, byte[]>(output)), Is.Not.EqualTo(tree.Root));
    }

    [Test]
    public async Task HashReceiptAsync_OnChainDigest_VerifiesWithNodeSignatureAsync()
    {
        using var node = EthSigner.Generate();
        await _registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: Timeout());
        var receipt = Receipt("job");
        var digest = await _registry.HashReceiptAsync(receipt, Timeout());
        var posted = await _registry.PostBatchAsync(node.Address, ReceiptMerkleTree.LeafHash(digest), 1, node, cancellationToken: Timeout());

        var ok = await _registry.VerifyReceiptAsync(node.Address, receipt, node.SignHash(digest).ToBytes65(), node.Address, posted.Event.BatchIndex, [], Timeout());

        Assert.That(ok, Is.True);
    }

    [Test]
    public async Task HashReceiptAsync_OnChain_EqualsJobReceiptTypedDataDigestAsync()
    {
        var receipt = new PhalaWorker.Chain.Receipts.JobReceiptData(
            Keccak256.HashUtf8("job 7"), Keccak256.HashUtf8("model"), Keccak256.HashUtf8("in"), Keccak256.HashUtf8("out"), Keccak256.HashUtf8("quote"), 1_763_900_000, "ilgpu-cpu");

        var onChain = await _registry.HashReceiptAsync(
            receipt.JobId, receipt.ModelHash, receipt.InputHash, receipt.OutputHash, receipt.QuoteHash, receipt.FinishedAt, receipt.Backend, Timeout());

        Assert.That(onChain, Is.EqualTo(PhalaWorker.Chain.Receipts.JobReceiptTypedData.Digest(receipt, _env.Anvil.ChainId, _registry.Address)));
    }

    [Test]
    public async Task RegistrationDigest_OffChain_EqualsContractViewAsync()
    {
        using var node = EthSigner.Generate();
        var registration = Registration(node.Address, "https://digest.example");
        using var predecessor = EthSigner.Generate();
        registration = registration with { Predecessor = predecessor.Address };
        var calldata = NodeRegistryCodec.Encode(new RegistrationDigestFunction { R = registration.ToStruct(), Operator = _operator.Address.ToLowerHexString(), RegistrationNonce = 5 });

        var output = await _env.Rpc.CallAsync(new CallRequest { To = _registry.Address, Data = calldata }, cancellationToken: Timeout());

        Assert.That(new Hash32(NodeRegistryCodec.DecodeReturn<RegistrationDigestFunction, byte[]>(output)), Is.EqualTo(NodeRegistryTypedData.RegistrationDigest(registration, _operator.Address, 5, _env.Anvil.ChainId, _registry.Address)));
    }

    [Test]
    public async Task GetNodeAsync_UnknownAddress_ReturnsNullAsync()
    {
        using var node = EthSigner.Generate();

        Assert.That(await _registry.GetNodeAsync(node.Address, Timeout()), Is.Null);
    }

    [Test]
    public async Task GetNodeAsync_NoContractAtAddress_ThrowsClearErrorAsync()
    {
        using var node = EthSigner.Generate();
        var wrong = new NodeRegistryClient(_env.Rpc, node.Address, _env.Anvil.ChainId);

        var ex = Assert.ThrowsAsync<ChainException>(() => wrong.GetNodeAsync(node.Address, Timeout()));

        Assert.That(ex!.Message, Does.Contain("is there a NodeRegistry"));
    }
}
