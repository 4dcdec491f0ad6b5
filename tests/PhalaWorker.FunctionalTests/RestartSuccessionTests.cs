using System.Security.Cryptography;
using Google.Protobuf;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Client;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// A receipt finished before a crash stays verifiable: the agent (a real process) finishes a job, is killed before posting
/// its batch, and restarts under a new node key on the same journal; the new node names the old one as predecessor and posts
/// the old receipt in its own batch, which the registry's verifyReceipt and the SDK accept.
/// </summary>
[Category("Anvil")]
[NonParallelizable]
public sealed class RestartSuccessionTests : ProcessAgentChainTests
{
    [Test]
    public async Task KillBeforeBatch_RestartWithNewKey_OldReceiptPostedBySuccessorVerifiesAsync()
    {
        using var directory = new TempDirectory("succession");
        var first = Chain.AgentSettings();
        first["Registry:BatchMaxAge"] = "01:00:00"; // the receipt waits for a batch that never comes before the kill
        first["Registry:BatchSize"] = "16";
        var model = await File.ReadAllBytesAsync(TinyMlp.ModelPath);
        var request = new JobRequest { Model = ByteString.CopyFrom(model), JobSecret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)) };
        var accessToken = JobSecrets.AccessToken(request.JobSecret.Span);
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(await File.ReadAllBytesAsync(TinyMlp.InputPath)) });
        var jobId = RandomNumberGenerator.GetBytes(32);
        using var resultKey = X25519KeyPair.Generate();
        request.ResultPublicKey = ByteString.CopyFrom(resultKey.PublicKey);
        VerifiedNode oldNode;
        int port;
        await using (var agent = await AgentProcess.StartAsync(directory, first, port: null, TaskTimeoutExtensions.DefaultTimeoutToken()))
        {
            port = agent.Endpoint.Port;
            using var client = WorkerClient.Connect(agent.Endpoint);
            oldNode = await Verifier(client).VerifyAsync().DefaultTimeout();
            await client.SubmitJobAsync(JobSubmitter.Seal(oldNode, jobId, request, new JobSpec(model, []))).DefaultTimeout();
            await foreach (var _ in client.WatchJobAsync(jobId, accessToken).WithCancellation(TaskTimeoutExtensions.DefaultTimeoutToken()))
            {
            }

            var finished = await client.GetResultAsync(jobId, accessToken).DefaultTimeout();
            Assert.That(finished.State, Is.EqualTo(JobState.Succeeded), finished.Error + agent.Output);
            Assert.That(finished.Inclusion, Is.Null, "not posted yet");
            await agent.KillAsync();
        }

        var second = Chain.AgentSettings();
        // A restart is a new identity: node keys are generated in memory at every start.
        await using var restarted = await AgentProcess.StartAsync(directory, second, port, TaskTimeoutExtensions.DefaultTimeoutToken());
        using var resumed = WorkerClient.Connect(restarted.Endpoint);
        var newNode = await Verifier(resumed).VerifyAsync().DefaultTimeout();
        JobResult result;
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while ((result = await resumed.GetResultAsync(jobId, accessToken).DefaultTimeout()).Inclusion is null)
            {
                await Task.Delay(100, wait.Token);
            }
        }

        using var reader = await RegistryReader.ConnectAsync(Chain.Anvil.RpcUrl, Chain.Registry.Address, TaskTimeoutExtensions.DefaultTimeoutToken());
        var output = JobSubmitter.OpenOutput(result.SealedOutput, resultKey, jobId, oldNode);
        var receipt = ReceiptVerifier.Verify(result.Receipt, oldNode, jobId, request, output);
        ReceiptVerifier.VerifyInclusion(receipt, result.Inclusion);
        await reader.VerifyInclusionOnChainAsync(receipt, result.Inclusion).DefaultTimeout();
        var before = await reader.GetNodeAsync(oldNode.Address).DefaultTimeout();
        var after = await reader.GetNodeAsync(newNode.Address).DefaultTimeout();

        Assert.That(newNode.Address, Is.Not.EqualTo(oldNode.Address));
        Assert.That(receipt.Signer, Is.EqualTo(oldNode.Address));
        Assert.That(new EthAddress(result.Inclusion.BatchNode.Span), Is.EqualTo(newNode.Address));
        Assert.That(before!.Retired, Is.True);
        Assert.That(before.Successor, Is.EqualTo(newNode.Address));
        Assert.That(after!.Predecessor, Is.EqualTo(oldNode.Address));
        Assert.That(after.Active, Is.True);
        Assert.That(restarted.Output, Does.Contain("successor of"));
    }

    // What is under test is the succession of identities, not the measurement policy (MeasurementPolicyTests and
    // ProcessAgentTests check that): both identities run the same build, so any measurement is accepted here.
    private NodeVerifier Verifier(WorkerClient client) =>
        new(client, new NodeVerifierOptions { AllowEmulated = true, RequireRegistration = false, ExpectedRegistry = Chain.Registry.Address, TrustAnyMeasurement = true });
}
