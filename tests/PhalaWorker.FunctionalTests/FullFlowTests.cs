using System.Text.Json;
using PhalaWorker.Client;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The whole path of issue 2: SDK → in-process agent (emulated TEE, CPU backend, SQLite journal in a temp dir) → anvil.
/// The node registers itself, the client verifies it (nonce, quote through the DCAP verifier, binding, registry), runs
/// tiny_mlp, opens the output, verifies the receipt and its Merkle inclusion off chain and on chain.
/// </summary>
[Category("Anvil")]
public sealed class FullFlowTests
{
    private TempDirectory _directory = null!;
    private ChainFixture _chain = null!;
    private AgentFactory _factory = null!;
    private WorkerClient _client = null!;
    private RegistryReader _registry = null!;

    [OneTimeSetUp]
    public async Task OneTimeSetUpAsync()
    {
        _directory = new TempDirectory("full-flow");
        _chain = await ChainFixture.StartAsync(TaskTimeoutExtensions.DefaultTimeoutToken());
        _factory = new AgentFactory(_directory, _chain.AgentSettings());
        _client = _factory.CreateWorkerClient();
        _registry = await RegistryReader.ConnectAsync(_chain.Anvil.RpcUrl, _chain.Registry.Address).DefaultTimeout();
    }

    /// <summary>Each test answers for what the server logged while it ran (a failure in OneTimeTearDown would count for no test).</summary>
    [TearDown]
    public void VerifyNoServerErrors()
    {
        try
        {
            LogAssert.VerifyNoErrors(_factory.Logs);
        }
        finally
        {
            _factory.Logs.Clear();
        }
    }

    [OneTimeTearDown]
    public async Task OneTimeTearDownAsync()
    {
        _registry.Dispose();
        _client.Dispose();
        await _factory.DisposeAsync();
        await _chain.DisposeAsync();
        _directory.Dispose();
    }

    [Test]
    public async Task Submit_TinyMlp_VerifiedOutputReceiptAndInclusionAsync()
    {
        var node = await Verifier().VerifyAsync().DefaultTimeout();
        var submitter = new JobSubmitter(_client, _registry, new JobSubmitterOptions { InclusionTimeout = TimeSpan.FromSeconds(30), InclusionPollInterval = TimeSpan.FromMilliseconds(100) });

        var outcome = await submitter.RunAsync(node, TinyMlp.Spec()).DefaultTimeout();

        Assert.That(node.IsEmulated, Is.True);
        Assert.That(node.Registration!.Active, Is.True);
        Assert.That(node.ChainId, Is.EqualTo(_chain.Anvil.ChainId));
        Assert.That(node.Registry, Is.EqualTo(_chain.Registry.Address));
        Assert.That(node.Appraisal.Valid, Is.True);
        TinyMlp.AssertMatchesExpected(outcome.Output.Outputs.Single().Tensor.Span);
        Assert.That(outcome.Receipt.Signer, Is.EqualTo(node.Address));
        Assert.That(outcome.Receipt.Data.Backend, Is.EqualTo("cpu"));
        Assert.That(outcome.Inclusion, Is.Not.Null);
        Assert.That(outcome.InclusionVerifiedOnChain, Is.True);
        var onChainDigest = await _chain.Registry.HashReceiptAsync(outcome.Receipt.Data.JobId, outcome.Receipt.Data.ModelHash, outcome.Receipt.Data.InputHash,
            outcome.Receipt.Data.OutputHash, outcome.Receipt.Data.QuoteHash, outcome.Receipt.Data.FinishedAt, outcome.Receipt.Data.Backend).DefaultTimeout();
        Assert.That(onChainDigest, Is.EqualTo(outcome.Receipt.Digest), "the contract's EIP-712 digest equals ours");
        using var json = JsonDocument.Parse(outcome.Receipt.ToJson());
        Assert.That(json.RootElement.GetProperty("primaryType").GetString(), Is.EqualTo("JobReceipt"));
        Assert.That(json.RootElement.TryGetProperty("signature", out _), Is.True);
    }

    [Test]
    public async Task Submit_UsedJobIdWithOtherEnvelope_AlreadyExistsAsync()
    {
        var node = await Verifier().VerifyAsync().DefaultTimeout();
        var spec = TinyMlp.Spec() with { JobId = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) };
        var submitter = new JobSubmitter(_client, null, new JobSubmitterOptions { InclusionTimeout = TimeSpan.Zero });
        var first = await submitter.RunAsync(node, spec).DefaultTimeout();
        using var otherResultKey = Crypto.Keys.X25519KeyPair.Generate();
        var other = new JobRequest { Model = Google.Protobuf.ByteString.CopyFrom(spec.Model), ResultPublicKey = Google.Protobuf.ByteString.CopyFrom(otherResultKey.PublicKey), JobSecret = Google.Protobuf.ByteString.CopyFrom(new byte[32]) };
        other.Inputs.Add(new NamedTensor { Name = "x", Tensor = Google.Protobuf.ByteString.CopyFrom(TinyMlp.Input) });
        var sealedAgain = JobSubmitter.Seal(node, spec.JobId!, other, spec);

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => _client.SubmitJobAsync(sealedAgain).DefaultTimeout());

        Assert.That(first.Duplicate, Is.False);
        Assert.That(ex!.RpcReason, Is.EqualTo("JOB_ID_IN_USE"));
    }

    [Test]
    public async Task Verify_RegistryHoldsOtherQuoteHash_RegistrationMismatchAsync()
    {
        var verified = await Verifier().VerifyAsync().DefaultTimeout();
        var record = await _registry.GetNodeAsync(verified.Address).DefaultTimeout();

        Assert.That(record!.QuoteHash, Is.EqualTo(verified.QuoteHash));
        Assert.That(record.HpkePublicKey, Is.EqualTo(verified.HpkePublicKey));
        var stranger = await _registry.GetNodeAsync(Chain.Primitives.EthAddress.Parse("0x000000000000000000000000000000000000dEaD")).DefaultTimeout();
        Assert.That(stranger, Is.Null);
    }

    [Test]
    public async Task VerifyInclusion_TamperedProof_InclusionInvalidAsync()
    {
        var node = await Verifier().VerifyAsync().DefaultTimeout();
        var submitter = new JobSubmitter(_client, _registry, new JobSubmitterOptions { InclusionTimeout = TimeSpan.FromSeconds(30), InclusionPollInterval = TimeSpan.FromMilliseconds(100) });
        var outcome = await submitter.RunAsync(node, TinyMlp.Spec()).DefaultTimeout();
        var wrongRoot = outcome.Inclusion!.Clone();
        wrongRoot.BatchRoot = Google.Protobuf.ByteString.CopyFrom(new byte[32]);
        var wrongIndex = outcome.Inclusion.Clone();
        wrongIndex.BatchIndex += 1000;

        Assert.Throws<WorkerClientException>(() => ReceiptVerifier.VerifyInclusion(outcome.Receipt, wrongRoot));
        var ex = Assert.ThrowsAsync<WorkerClientException>(() => _registry.VerifyInclusionOnChainAsync(outcome.Receipt, wrongIndex).DefaultTimeout());
        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.InclusionInvalid));
    }

    private NodeVerifier Verifier() => new(_client, new NodeVerifierOptions { AllowEmulated = true, ExpectedRegistry = _chain.Registry.Address, AcceptedMeasurements = [_factory.Profile()] }, _registry);
}
