extern alias agent;

using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Cli;
using PhalaWorker.Client;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The agent as a real process next to anvil: `phala-worker submit` against it (accepting the build's reference profile from
/// `measurements show`), a modified build refused by its agent digest, and a crash (SIGKILL) mid-job after which the
/// restarted agent, with new keys, answers the old identity's jobs NODE_KEY_CHANGED and the SDK resubmits; a SIGTERM that
/// posts the waiting receipt in a final batch and retires the node, and one that a dead chain cannot hold up.
/// </summary>
[Category("Anvil")]
[NonParallelizable]
public sealed class ProcessAgentTests : ProcessAgentChainTests
{
    [Test]
    public async Task CliSubmit_RealAgent_PrintsVerifiedResultAsync()
    {
        using var directory = new TempDirectory("cli-submit");
        await ReferenceProfileAsync(directory, Path.GetDirectoryName(AgentProcess.AgentDll)!);
        await using var agent = await AgentProcess.StartAsync(directory, Chain.AgentSettings(), port: null, TaskTimeoutExtensions.DefaultTimeoutToken());
        var (exit, stdout, stderr) = await RunCliAsync(
            "submit", "--endpoint", agent.Endpoint.ToString(), "--rpc", Chain.Anvil.RpcUrl.ToString(), "--registry", Chain.Registry.Address.ToChecksumString(),
            "--model", TinyMlp.ModelPath, "--input", "x=" + TinyMlp.InputPath, "--allow-emulated", "--json", "--timeout", "60",
            "--measurements", directory.File("measurements.json"));

        Assert.That(exit, Is.EqualTo(0), stderr + agent.Output);
        using var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        Assert.That(json.RootElement.GetProperty("verified").GetBoolean(), Is.True);
        Assert.That(json.RootElement.GetProperty("receipt").GetProperty("primaryType").GetString(), Is.EqualTo("JobReceipt"));
        Assert.That(json.RootElement.GetProperty("inclusion").GetProperty("verifiedOnChain").GetBoolean(), Is.True);
        var probs = json.RootElement.GetProperty("outputs")[0];
        Assert.That(probs.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), Is.EqualTo(new long[] { 4, 10 }));
    }

    [Test]
    public async Task Cli_EmulatedWithoutAllowEmulatedOrWithoutProfile_ExitsOneAsync()
    {
        using var directory = new TempDirectory("cli-refuse");
        await using var agent = await AgentProcess.StartAsync(directory, Chain.AgentSettings(), port: null, TaskTimeoutExtensions.DefaultTimeoutToken());

        var (exit, _, stderr) = await RunCliAsync(
            "submit", "--endpoint", agent.Endpoint.ToString(), "--rpc", Chain.Anvil.RpcUrl.ToString(), "--registry", Chain.Registry.Address.ToChecksumString(),
            "--model", TinyMlp.ModelPath, "--input", "x=" + TinyMlp.InputPath);
        var (noProfileExit, _, noProfileErr) = await RunCliAsync(
            "attest", "--endpoint", agent.Endpoint.ToString(), "--rpc", Chain.Anvil.RpcUrl.ToString(), "--registry", Chain.Registry.Address.ToChecksumString(), "--allow-emulated", "--json");
        var (trustExit, trustOut, trustErr) = await RunCliAsync(
            "attest", "--endpoint", agent.Endpoint.ToString(), "--rpc", Chain.Anvil.RpcUrl.ToString(), "--registry", Chain.Registry.Address.ToChecksumString(), "--allow-emulated", "--json",
            "--trust-any-measurement");

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("EMULATED"));
        Assert.That(noProfileExit, Is.EqualTo(1), "no accepted measurement profile: refused by default");
        Assert.That(noProfileErr, Does.Contain("no measurement profile is accepted"));
        Assert.That(trustExit, Is.EqualTo(0));
        Assert.That(trustErr, Does.StartWith("WARNING: --trust-any-measurement"));
        Assert.That(trustOut, Does.Contain("\"registered\":true").And.Contain("\"measurementProfile\":null"));
    }

    [Test]
    public async Task KillMidJob_Restart_NewIdentityAnswersOldJobsNodeKeyChangedAndSdkResubmitsAsync()
    {
        using var directory = new TempDirectory("crash");
        var settings = Chain.AgentSettings();
        // One worker: while the first job runs, the other two are certainly still queued when the agent is killed (with a
        // worker per core a second job could finish before the kill, and a finished job rightly survives the restart).
        settings["Agent:MaxConcurrentJobs"] = "1";
        var profile = await ReferenceProfileAsync(directory, Path.GetDirectoryName(AgentProcess.AgentDll)!);
        var model = TestData.ReadBytes("onnx", "models", "light_resnet50", "model.onnx");
        var input = TestData.ReadBytes("onnx", "models", "light_resnet50", "test_data_set_0", "input_0.pb");
        var jobs = new List<(byte[] JobId, SubmitJobRequest Sealed, byte[] AccessToken)>();
        VerifiedNode firstNode;
        JobOutcome finished;
        int port;
        await using (var first = await AgentProcess.StartAsync(directory, settings, port: null, TaskTimeoutExtensions.DefaultTimeoutToken()))
        {
            port = first.Endpoint.Port;
            using var client = WorkerClient.Connect(first.Endpoint);
            firstNode = await Verifier(client, profile).VerifyAsync().DefaultTimeout();
            finished = await new JobSubmitter(client, null, new JobSubmitterOptions { InclusionTimeout = TimeSpan.Zero }).RunAsync(firstNode, TinyMlp.Spec()).DefaultTimeout();
            for (var i = 0; i < 3; i++)
            {
                using var resultKey = X25519KeyPair.Generate();
                var secret = RandomNumberGenerator.GetBytes(32);
                var request = new JobRequest { Model = ByteString.CopyFrom(model), ResultPublicKey = ByteString.CopyFrom(resultKey.PublicKey), JobSecret = ByteString.CopyFrom(secret) };
                request.Inputs.Add(new NamedTensor { Name = "gpu_0/data_0", Tensor = ByteString.CopyFrom(input) });
                var jobId = RandomNumberGenerator.GetBytes(32);
                var sealedJob = JobSubmitter.Seal(firstNode, jobId, request, new JobSpec(model, []));
                await client.SubmitJobAsync(sealedJob).DefaultTimeout();
                jobs.Add((jobId, sealedJob, JobSecrets.AccessToken(secret)));
            }

            await foreach (var change in client.WatchJobAsync(jobs[0].JobId, jobs[0].AccessToken).WithCancellation(TaskTimeoutExtensions.DefaultTimeoutToken()))
            {
                if (change.State == JobState.Running)
                {
                    break;
                }
            }

            await first.KillAsync();
        }

        await using var second = await AgentProcess.StartAsync(directory, settings, port, TaskTimeoutExtensions.DefaultTimeoutToken());
        using var resumed = WorkerClient.Connect(second.Endpoint);
        var secondNode = await Verifier(resumed, profile).VerifyAsync().DefaultTimeout();
        Assert.That(secondNode.Address, Is.Not.EqualTo(firstNode.Address), "keys are generated in memory at every start");
        Assert.That(secondNode.HpkePublicKey, Is.Not.EqualTo(firstNode.HpkePublicKey));

        // The job finished before the crash: its result and receipt are still served, and the receipt verifies against the
        // identity that signed it (not the node's new one).
        var old = await resumed.GetResultAsync(finished.JobId, JobSecrets.AccessToken(finished.JobSecret)).DefaultTimeout();
        var finishedRequest = new JobRequest { Model = ByteString.CopyFrom(TinyMlp.Model), JobSecret = ByteString.CopyFrom(finished.JobSecret) };
        finishedRequest.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(TinyMlp.Input) });
        Assert.That(ReceiptVerifier.Verify(old.Receipt, firstNode, finished.JobId, finishedRequest, finished.Output).Signer, Is.EqualTo(firstNode.Address));

        // The jobs accepted by the previous identity: resumed from the journal, they fail NODE_KEY_CHANGED without being
        // opened, and submitting them again is answered from the journal with NODE_KEY_CHANGED (not a decryption failure).
        foreach (var (jobId, sealedJob, accessToken) in jobs)
        {
            await foreach (var _ in resumed.WatchJobAsync(jobId, accessToken).WithCancellation(TaskTimeoutExtensions.DefaultTimeoutToken()))
            {
            }

            var result = await resumed.GetResultAsync(jobId, accessToken).DefaultTimeout();
            Assert.That(result.State, Is.EqualTo(JobState.Failed), second.Output);
            Assert.That(result.Error, Does.StartWith("NODE_KEY_CHANGED"));
            var ex = Assert.ThrowsAsync<WorkerClientException>(() => resumed.SubmitJobAsync(sealedJob).DefaultTimeout());
            Assert.That(ex!.RpcReason, Is.EqualTo("NODE_KEY_CHANGED"));
            Assert.That(ex.StatusCode, Is.EqualTo(Grpc.Core.StatusCode.FailedPrecondition));
        }

        // The SDK retrying a journaled job with the old identity re-verifies the node and resubmits, resealed, under a new id.
        var submitter = new JobSubmitter(resumed, null, new JobSubmitterOptions { InclusionTimeout = TimeSpan.Zero }, Verifier(resumed, profile));
        var outcome = await submitter.RunAsync(firstNode, TinyMlp.Spec() with { JobId = jobs[1].JobId }).DefaultTimeout();
        Assert.That(outcome.Resubmissions, Is.EqualTo(1));
        Assert.That(outcome.JobId, Is.Not.EqualTo(jobs[1].JobId));
        Assert.That(outcome.Node!.Address, Is.EqualTo(secondNode.Address));
        Assert.That(outcome.Receipt.Signer, Is.EqualTo(secondNode.Address));
        TinyMlp.AssertMatchesExpected(outcome.Output.Outputs.Single().Tensor.Span);
        Assert.That(second.Output, Does.Contain("unfinished job(s) re-queued").And.Not.Contain("; 0 unfinished"));
    }

    [Test]
    public async Task Sigterm_ReceiptWaitingForItsBatch_PostsFinalBatchRetiresNodeAndExitsZeroAsync()
    {
        // Arrange: a batch would wait an hour for more receipts.
        using var directory = new TempDirectory("sigterm");
        var settings = Chain.AgentSettings();
        settings["Registry:BatchSize"] = "16";
        settings["Registry:BatchMaxAge"] = "01:00:00";
        var profile = await ReferenceProfileAsync(directory, Path.GetDirectoryName(AgentProcess.AgentDll)!);
        await using var agent = await AgentProcess.StartAsync(directory, settings, port: null, TaskTimeoutExtensions.DefaultTimeoutToken());
        using var client = WorkerClient.Connect(agent.Endpoint);
        var node = await Verifier(client, profile).VerifyAsync().DefaultTimeout();
        var outcome = await new JobSubmitter(client, null, new JobSubmitterOptions { InclusionTimeout = TimeSpan.Zero }).RunAsync(node, TinyMlp.Spec()).DefaultTimeout();
        var before = await Chain.Registry.GetNodeAsync(node.Address).DefaultTimeout();
        Assert.That(before!.BatchCount, Is.Zero, "the receipt waits for its batch");

        // Act
        var exit = await agent.TerminateAsync(TaskTimeoutExtensions.DefaultTimeoutToken());

        // Assert: the receipt's one-leaf batch is on chain and verifies there; the node is retired.
        Assert.That(exit, Is.EqualTo(0), agent.Output);
        var after = await Chain.Registry.GetNodeAsync(node.Address).DefaultTimeout();
        Assert.That(after!.Retired, Is.True, agent.Output);
        Assert.That(after.BatchCount, Is.EqualTo(1UL), agent.Output);
        var batch = await Chain.Registry.GetBatchAsync(node.Address, 0).DefaultTimeout();
        Assert.That(batch.Count, Is.EqualTo(1U));
        Assert.That(batch.Root, Is.EqualTo(new ReceiptMerkleTree([outcome.Receipt.Digest]).Root));
        var accepted = await Chain.Registry.VerifyReceiptAsync(node.Address, outcome.Receipt.Data, outcome.Receipt.Signature, node.Address, 0, []).DefaultTimeout();
        Assert.That(accepted, Is.True);
        Assert.That(agent.Output, Does.Contain("1 receipt(s) posted in the final batch, left the registry: True"));
    }

    [Test]
    public async Task Sigterm_ChainDown_StopsWithinTimeoutExitsZeroAndKeepsReceiptJournaledAsync()
    {
        using var directory = new TempDirectory("sigterm-chain-down");
        var chain = await ChainFixture.StartAsync(TaskTimeoutExtensions.DefaultTimeoutToken());
        AgentProcess agent;
        byte[] jobId;
        try
        {
            var settings = chain.AgentSettings();
            settings["Registry:BatchSize"] = "16";
            settings["Registry:BatchMaxAge"] = "01:00:00";
            settings["Agent:ShutdownTimeout"] = "00:00:03";
            var profile = await ReferenceProfileAsync(directory, Path.GetDirectoryName(AgentProcess.AgentDll)!);
            agent = await AgentProcess.StartAsync(directory, settings, port: null, TaskTimeoutExtensions.DefaultTimeoutToken());
            using var client = WorkerClient.Connect(agent.Endpoint);
            var node = await new NodeVerifier(client, new NodeVerifierOptions { AllowEmulated = true, RequireRegistration = false, ExpectedRegistry = chain.Registry.Address, AcceptedMeasurements = [profile] })
                .VerifyAsync().DefaultTimeout();
            jobId = (await new JobSubmitter(client, null, new JobSubmitterOptions { InclusionTimeout = TimeSpan.Zero }).RunAsync(node, TinyMlp.Spec()).DefaultTimeout()).JobId;
        }
        finally
        {
            await chain.DisposeAsync(); // the chain goes down before the stop
        }

        await using (agent)
        {
            var exit = await agent.TerminateAsync(TaskTimeoutExtensions.DefaultTimeoutToken());

            Assert.That(exit, Is.EqualTo(0), agent.Output);
            Assert.That(agent.Output, Does.Contain("did not take the final step (final receipt batch)").And.Contain("did not take the final step (retireNode)"));
        }

        // The receipt stays journaled without inclusion: the successor started on this journal posts it.
        await using var journal = agent::PhalaWorker.Agent.Jobs.JobJournal.Open(directory.File("journal.db"), TimeProvider.System);
        var unbatched = await journal.GetUnbatchedAsync(CancellationToken.None).DefaultTimeout();
        Assert.That(unbatched.Select(r => Convert.ToHexString(r.JobId)), Is.EqualTo(new[] { Convert.ToHexString(jobId) }));
    }

    [Test]
    public async Task Verify_ModifiedAgentBinaries_RefusedNamingAgentDigestAsync()
    {
        using var directory = new TempDirectory("modified-agent");
        var released = Path.GetDirectoryName(AgentProcess.AgentDll)!;
        var profile = await ReferenceProfileAsync(directory, released);
        var modified = Path.Combine(directory.Path, "agent");
        foreach (var file in Directory.EnumerateFiles(released, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(modified, Path.GetRelativePath(released, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        // What a host would add to leak jobs: one more assembly next to the agent (here an inert file).
        await File.WriteAllTextAsync(Path.Combine(modified, "Leak.dll"), "not really an assembly");
        await using var agent = await AgentProcess.StartAsync(directory, Chain.AgentSettings(), port: null, TaskTimeoutExtensions.DefaultTimeoutToken(),
            agentDll: Path.Combine(modified, "PhalaWorker.Agent.dll"));
        using var client = WorkerClient.Connect(agent.Endpoint);

        var ex = Assert.ThrowsAsync<WorkerClientException>(() => Verifier(client, profile).VerifyAsync().DefaultTimeout());

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.MeasurementRejected));
        Assert.That(ex.Message, Does.Contain("agent-digest").And.Contain(Convert.ToHexStringLower(profile.AgentDigest)));
        Assert.That(ex.IsVerificationFailure, Is.True);
    }

    /// <summary>The reference profile of an agent build, as the devnet demo computes it: `measurements show --tee emulated --json`.</summary>
    private static async Task<MeasurementProfile> ReferenceProfileAsync(TempDirectory directory, string agentDirectory)
    {
        var (exit, stdout, stderr) = await RunCliAsync("measurements", "show", "--agent-dir", agentDirectory, "--tee", "emulated", "--json");
        Assert.That(exit, Is.EqualTo(0), stderr);
        var path = directory.File("measurements.json");
        await File.WriteAllTextAsync(path, stdout);
        using var json = JsonDocument.Parse(stdout);
        return MeasurementProfileJson.Read(json.RootElement.GetProperty("profile"));
    }

    private NodeVerifier Verifier(WorkerClient client, MeasurementProfile profile) =>
        new(client, new NodeVerifierOptions { AllowEmulated = true, RequireRegistration = false, ExpectedRegistry = Chain.Registry.Address, AcceptedMeasurements = [profile] });

    private static async Task<(int Exit, string Stdout, string Stderr)> RunCliAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr, TaskTimeoutExtensions.DefaultTimeoutToken()).DefaultTimeout();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
