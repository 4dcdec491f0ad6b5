using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using PhalaWorker.Cli;
using PhalaWorker.Client;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The agent as a real process next to anvil: `phala-worker submit` against it, and a crash (SIGKILL) mid-job after which
/// the restarted agent resumes every accepted job from its SQLite journal.
/// </summary>
[Category("Anvil")]
[NonParallelizable]
public sealed class ProcessAgentTests
{
    private ChainFixture _chain = null!;

    [OneTimeSetUp]
    public async Task OneTimeSetUpAsync() => _chain = await ChainFixture.StartAsync(TaskTimeoutExtensions.DefaultTimeoutToken());

    [OneTimeTearDown]
    public async Task OneTimeTearDownAsync() => await _chain.DisposeAsync();

    [Test]
    public async Task CliSubmit_RealAgent_PrintsVerifiedResultAsync()
    {
        using var directory = new TempDirectory("cli-submit");
        await using var agent = await AgentProcess.StartAsync(directory, _chain.AgentSettings(), port: null, TaskTimeoutExtensions.DefaultTimeoutToken());
        var (exit, stdout, stderr) = await RunCliAsync(
            "submit", "--endpoint", agent.Endpoint.ToString(), "--rpc", _chain.Anvil.RpcUrl.ToString(), "--registry", _chain.Registry.Address.ToChecksumString(),
            "--model", TinyMlp.ModelPath, "--input", "x=" + TinyMlp.InputPath, "--allow-emulated", "--json", "--timeout", "60");

        Assert.That(exit, Is.EqualTo(0), stderr + agent.Output);
        using var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        Assert.That(json.RootElement.GetProperty("verified").GetBoolean(), Is.True);
        Assert.That(json.RootElement.GetProperty("receipt").GetProperty("primaryType").GetString(), Is.EqualTo("JobReceipt"));
        Assert.That(json.RootElement.GetProperty("inclusion").GetProperty("verifiedOnChain").GetBoolean(), Is.True);
        var probs = json.RootElement.GetProperty("outputs")[0];
        Assert.That(probs.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), Is.EqualTo(new long[] { 4, 10 }));
    }

    [Test]
    public async Task CliSubmit_EmulatedWithoutAllowEmulated_ExitsOneAsync()
    {
        using var directory = new TempDirectory("cli-refuse");
        await using var agent = await AgentProcess.StartAsync(directory, _chain.AgentSettings(), port: null, TaskTimeoutExtensions.DefaultTimeoutToken());

        var (exit, _, stderr) = await RunCliAsync(
            "submit", "--endpoint", agent.Endpoint.ToString(), "--rpc", _chain.Anvil.RpcUrl.ToString(), "--registry", _chain.Registry.Address.ToChecksumString(),
            "--model", TinyMlp.ModelPath, "--input", "x=" + TinyMlp.InputPath);
        var (attestExit, attestOut, _) = await RunCliAsync(
            "attest", "--endpoint", agent.Endpoint.ToString(), "--rpc", _chain.Anvil.RpcUrl.ToString(), "--registry", _chain.Registry.Address.ToChecksumString(), "--allow-emulated", "--json");

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("EMULATED"));
        Assert.That(attestExit, Is.EqualTo(0));
        Assert.That(attestOut, Does.Contain("\"registered\":true"));
    }

    [Test]
    public async Task KillMidJob_Restart_JournalResumesEveryJobAsync()
    {
        using var directory = new TempDirectory("crash");
        var settings = _chain.AgentSettings();
        var model = TestData.ReadBytes("onnx", "models", "light_resnet50", "model.onnx");
        var input = TestData.ReadBytes("onnx", "models", "light_resnet50", "test_data_set_0", "input_0.pb");
        var jobs = new List<(byte[] JobId, X25519KeyPair ResultKey, JobRequest Request)>();
        int port;
        await using (var first = await AgentProcess.StartAsync(directory, settings, port: null, TaskTimeoutExtensions.DefaultTimeoutToken()))
        {
            port = first.Endpoint.Port;
            using var client = WorkerClient.Connect(first.Endpoint);
            var node = await Verifier(client).VerifyAsync().DefaultTimeout();
            for (var i = 0; i < 3; i++)
            {
                var resultKey = X25519KeyPair.Generate();
                var request = new JobRequest { Model = ByteString.CopyFrom(model), ResultPublicKey = ByteString.CopyFrom(resultKey.PublicKey) };
                request.Inputs.Add(new NamedTensor { Name = "gpu_0/data_0", Tensor = ByteString.CopyFrom(input) });
                var jobId = RandomNumberGenerator.GetBytes(32);
                await client.SubmitJobAsync(JobSubmitter.Seal(node, jobId, request, new JobSpec(model, []))).DefaultTimeout();
                jobs.Add((jobId, resultKey, request));
            }

            await foreach (var change in client.WatchJobAsync(jobs[0].JobId).WithCancellation(TaskTimeoutExtensions.DefaultTimeoutToken()))
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
        var restartedNode = await Verifier(resumed).VerifyAsync().DefaultTimeout();
        foreach (var (jobId, resultKey, request) in jobs)
        {
            JobState last = JobState.Unspecified;
            await foreach (var change in resumed.WatchJobAsync(jobId).WithCancellation(TaskTimeoutExtensions.DefaultTimeoutToken()))
            {
                last = change.State;
            }

            var result = await resumed.GetResultAsync(jobId).DefaultTimeout();
            Assert.That(last, Is.EqualTo(JobState.Succeeded), result.Error + second.Output);
            var output = JobSubmitter.OpenOutput(result.SealedOutput, resultKey, jobId, restartedNode);
            var receipt = ReceiptVerifier.Verify(result.Receipt, restartedNode, jobId, request, output);
            Assert.That(receipt.Signer, Is.EqualTo(restartedNode.Address));
            Assert.That(output.Outputs, Has.Count.EqualTo(1));
            resultKey.Dispose();
        }

        Assert.That(second.Output, Does.Contain("unfinished job(s) re-queued").And.Not.Contain("; 0 unfinished"));
    }

    private NodeVerifier Verifier(WorkerClient client) =>
        new(client, new NodeVerifierOptions { AllowEmulated = true, RequireRegistration = false, ExpectedRegistry = _chain.Registry.Address });

    private static async Task<(int Exit, string Stdout, string Stderr)> RunCliAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr, TaskTimeoutExtensions.DefaultTimeoutToken()).DefaultTimeout();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
