using System.Security.Cryptography;
using Google.Protobuf;
using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;
using PhalaWorker.Testing;
using PhalaWorker.Testing.Anvil;

namespace PhalaWorker.Client.Tests;

/// <summary>RegistryReader against the real contract on anvil: restart links, the allow-list, on-chain inclusion.</summary>
[Category("Anvil")]
public sealed class RegistryReaderTests
{
    private AnvilNode _anvil = null!;
    private TestHttpClientFactory _http = null!;
    private EthSigner _operator = null!;
    private TransactionSender _sender = null!;
    private NodeRegistryClient _registry = null!;
    private RegistryReader _reader = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _anvil = await AnvilNode.StartAsync(cancellationToken: cts.Token);
        _http = new TestHttpClientFactory();
        var rpc = new EthJsonRpcClient(_http, _anvil.RpcUrl);
        _operator = EthSigner.FromHex(_anvil.PrivateKeys[0]);
        _sender = new TransactionSender(rpc, _operator, new InMemoryTransactionStore(),
            new TransactionSenderOptions { ChainId = _anvil.ChainId, PollInterval = TimeSpan.FromMilliseconds(50), ReceiptTimeout = TimeSpan.FromSeconds(60) });
        _registry = await NodeRegistryClient.DeployAsync(_sender, cancellationToken: cts.Token);
        _reader = await RegistryReader.ConnectAsync(_anvil.RpcUrl, _registry.Address, cts.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _reader.Dispose();
        _sender.Dispose();
        _operator.Dispose();
        _http.Dispose();
        await _anvil.DisposeAsync();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static NodeRegistration Registration(EthAddress node, byte[] quote) => new(
        node, Keccak256.HashUtf8("hpke " + node), "https://node.example:8443", 1, Keccak256.Hash(quote), Keccak256.HashUtf8("mrtd"),
        Keccak256.HashUtf8("rtmr"), Keccak256.HashUtf8("report data"));

    [Test]
    public async Task VerifyInclusionOnChainAsync_PredecessorReceiptsPostedBySuccessor_VerifyOnAndOffChainAsync()
    {
        // The predecessor finished two jobs and was killed before posting; the successor, started on the same journal, names it.
        using var predecessor = EthSigner.Generate();
        using var successor = EthSigner.Generate();
        var quote = RandomNumberGenerator.GetBytes(64);
        await _registry.RegisterNodeAsync(Registration(predecessor.Address, quote), predecessor, cancellationToken: Timeout());
        var jobs = Enumerable.Range(0, 2).Select(_ => Job(predecessor, quote)).ToList();
        await _registry.RegisterNodeAsync(Registration(successor.Address, quote) with { Predecessor = predecessor.Address }, successor, cancellationToken: Timeout());
        var verified = jobs.Select(j => ReceiptVerifier.Verify(j.Receipt, j.Node, j.JobId, j.Request, j.Output)).ToList();
        var tree = new ReceiptMerkleTree([.. verified.Select(v => v.Digest), Keccak256.HashUtf8("the successor's own receipt")]);
        var posted = await _registry.PostBatchAsync(successor.Address, tree.Root, (uint)tree.Count, successor, cancellationToken: Timeout());

        var old = await _reader.GetNodeAsync(predecessor.Address, Timeout());
        var current = await _reader.GetNodeAsync(successor.Address, Timeout());

        Assert.That(old!.Retired, Is.True);
        Assert.That(old.Active, Is.False);
        Assert.That(old.Successor, Is.EqualTo(successor.Address));
        Assert.That(current!.Predecessor, Is.EqualTo(predecessor.Address));
        Assert.That(current.Retired, Is.False);
        Assert.That(current.Epoch, Is.EqualTo(1));
        Assert.That(await _reader.IsSameOrSuccessorAsync(predecessor.Address, successor.Address, Timeout()), Is.True);
        Assert.That(await _reader.IsSameOrSuccessorAsync(successor.Address, predecessor.Address, Timeout()), Is.False);
        for (var i = 0; i < verified.Count; i++)
        {
            var inclusion = Inclusion(tree, i, successor.Address, posted.Event.BatchIndex);
            Assert.That(verified[i].Signer, Is.EqualTo(predecessor.Address));
            ReceiptVerifier.VerifyInclusion(verified[i], inclusion);
            await _reader.VerifyInclusionOnChainAsync(verified[i], inclusion, Timeout());
        }
    }

    [Test]
    public async Task VerifyInclusionOnChainAsync_BatchOfUnrelatedNode_ThrowsInclusionInvalidAsync()
    {
        using var signer = EthSigner.Generate();
        using var unrelated = EthSigner.Generate();
        var quote = RandomNumberGenerator.GetBytes(64);
        await _registry.RegisterNodeAsync(Registration(signer.Address, quote), signer, cancellationToken: Timeout());
        await _registry.RegisterNodeAsync(Registration(unrelated.Address, quote), unrelated, cancellationToken: Timeout());
        var job = Job(signer, quote);
        var verified = ReceiptVerifier.Verify(job.Receipt, job.Node, job.JobId, job.Request, job.Output);
        var tree = new ReceiptMerkleTree([verified.Digest, Keccak256.HashUtf8("x")]);
        var posted = await _registry.PostBatchAsync(unrelated.Address, tree.Root, 2, unrelated, cancellationToken: Timeout());
        var inclusion = Inclusion(tree, 0, unrelated.Address, posted.Event.BatchIndex);

        ReceiptVerifier.VerifyInclusion(verified, inclusion); // the tree itself is fine off chain
        var foreign = Assert.ThrowsAsync<WorkerClientException>(() => _reader.VerifyInclusionOnChainAsync(verified, inclusion, Timeout()));
        inclusion.BatchNode = ByteString.Empty; // as if in the signer's own batch list, which is empty
        var own = Assert.ThrowsAsync<WorkerClientException>(() => _reader.VerifyInclusionOnChainAsync(verified, inclusion, Timeout()));

        Assert.That(foreign!.Reason, Is.EqualTo(WorkerClientErrorReason.InclusionInvalid));
        Assert.That(foreign.Message, Does.Contain("successor"));
        Assert.That(own!.Reason, Is.EqualTo(WorkerClientErrorReason.InclusionInvalid));
    }

    [Test]
    public async Task GetMeasurementProfilesAsync_AllowedThenRevoked_ReturnsOnlyCurrentlyAllowedAsync()
    {
        var registry = await NodeRegistryClient.DeployAsync(_sender, cancellationToken: Timeout());
        using var reader = await RegistryReader.ConnectAsync(_anvil.RpcUrl, registry.Address, Timeout());
        // The measurements of the real Intel TDX quote in testdata.
        var body = QuoteParser.Parse(TestData.ReadBytes("attestation", "tdx_quote_v4.bin")).Body;
        var kept = new MeasurementProfile
        {
            Name = "real quote",
            MrTd = body.MrTd,
            Rtmr0 = body.GetRtmr(0),
            Rtmr1 = body.GetRtmr(1),
            Rtmr2 = body.GetRtmr(2),
            AgentDigest = SHA256.HashData("phala-worker agent"u8),
            RequiredSettings = new Dictionary<string, string> { ["Compute:Backend"] = "cuda", ["Attestation:AllowEmulated"] = "false" },
        };
        var revoked = kept with { Name = "older build", AgentDigest = SHA256.HashData("older agent"u8) };
        Assert.That(await reader.GetMeasurementProfilesAsync(Timeout()), Is.Empty);

        await registry.AllowMeasurementsAsync(RegistryReader.ToEntry(revoked), cancellationToken: Timeout());
        await registry.AllowMeasurementsAsync(RegistryReader.ToEntry(kept), cancellationToken: Timeout());
        await registry.RevokeMeasurementsAsync(RegistryReader.ToEntry(revoked).Id, cancellationToken: Timeout());
        var profiles = await reader.GetMeasurementProfilesAsync(Timeout());

        Assert.That(profiles, Has.Count.EqualTo(1));
        Assert.That(profiles[0].Name, Is.EqualTo(kept.Name));
        Assert.That(profiles[0].MrTd, Is.EqualTo(kept.MrTd));
        Assert.That(profiles[0].Rtmr0, Is.EqualTo(kept.Rtmr0));
        Assert.That(profiles[0].Rtmr1, Is.EqualTo(kept.Rtmr1));
        Assert.That(profiles[0].Rtmr2, Is.EqualTo(kept.Rtmr2));
        Assert.That(profiles[0].AgentDigest, Is.EqualTo(kept.AgentDigest));
        Assert.That(profiles[0].RequiredSettings, Is.EquivalentTo(kept.RequiredSettings));
    }

    private static InclusionProof Inclusion(ReceiptMerkleTree tree, int index, EthAddress batchNode, ulong batchIndex)
    {
        var inclusion = new InclusionProof
        {
            BatchIndex = batchIndex,
            BatchRoot = ByteString.CopyFrom(tree.Root.AsSpan()),
            BatchNode = ByteString.CopyFrom(batchNode.AsSpan()),
        };
        inclusion.Proof.AddRange(tree.GetProof(index).Select(p => ByteString.CopyFrom(p.AsSpan())));
        return inclusion;
    }

    private (Receipt Receipt, VerifiedNode Node, byte[] JobId, JobRequest Request, JobOutput Output) Job(EthSigner signer, byte[] quote)
    {
        var jobId = RandomNumberGenerator.GetBytes(32);
        var request = new JobRequest { Model = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(8)), JobSecret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)) };
        var salt = JobSecrets.ReceiptSalt(request.JobSecret.Span);
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(3) });
        var output = new JobOutput { ComputeBackend = "cpu" };
        output.Outputs.Add(new NamedTensor { Name = "y", Tensor = ByteString.CopyFrom(4) });
        var node = new VerifiedNode(signer.Address, new byte[32], quote, Keccak256.Hash(quote), TeeType.EmulatedTdx, _anvil.ChainId, _registry.Address, "cpu", "0.1.0",
            new QuoteAppraisal { Valid = true }, null, new AttestationBundle());
        var data = new JobReceiptData(new Hash32(jobId), JobReceiptHashes.Model(salt.AsSpan(), request.Model.Span), ReceiptHashes.Tensors(salt, request.Inputs),
            ReceiptHashes.Tensors(salt, output.Outputs), node.QuoteHash, 1_763_900_000, "cpu");
        var receipt = new Receipt
        {
            JobId = ByteString.CopyFrom(jobId),
            ModelHash = ByteString.CopyFrom(data.ModelHash.AsSpan()),
            InputHash = ByteString.CopyFrom(data.InputHash.AsSpan()),
            OutputHash = ByteString.CopyFrom(data.OutputHash.AsSpan()),
            QuoteHash = ByteString.CopyFrom(data.QuoteHash.AsSpan()),
            FinishedAt = data.FinishedAt,
            Backend = data.Backend,
            ChainId = _anvil.ChainId,
            RegistryAddress = ByteString.CopyFrom(_registry.Address.AsSpan()),
            NodeAddress = ByteString.CopyFrom(signer.Address.AsSpan()),
            Signature = ByteString.CopyFrom(JobReceiptTypedData.Sign(signer, data, _anvil.ChainId, _registry.Address)),
        };
        return (receipt, node, jobId, request, output);
    }

}
