using System.Text.Json;
using PhalaWorker.Cli;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The submitter's later steps against a real agent process and anvil: <c>submit --out DIR</c> keeps a job file and writes
/// the outputs under their names and the receipt; <c>result fetch --job ID</c> gets the result and the inclusion proof
/// later from that file alone; <c>result verify</c> checks the written receipt and proof, and takes the <c>--json</c> output
/// of <c>submit</c> and <c>result fetch</c> as they are.
/// </summary>
[Category("Anvil")]
[NonParallelizable]
public sealed class CliResultFetchTests : ProcessAgentChainTests
{
    [Test]
    public async Task SubmitOut_ResultFetch_ResultVerify_AllVerifiedAsync()
    {
        using var directory = new TempDirectory("cli-fetch");
        var measurements = await ReferenceProfileAsync(directory);
        await using var agent = await AgentProcess.StartAsync(directory, Chain.AgentSettings(), port: null, TaskTimeoutExtensions.DefaultTimeoutToken());
        var rpc = Chain.Anvil.RpcUrl.ToString();
        var registry = Chain.Registry.Address.ToChecksumString();
        var jobDirectory = directory.File("job");

        // Arrange: a job submitted without waiting for its batch; what it wrote.
        var (submitExit, submitOut, submitErr) = await RunCliAsync(
            "submit", "--endpoint", agent.Endpoint.ToString(), "--rpc", rpc, "--registry", registry, "--model", TinyMlp.ModelPath, "--input", "x=" + TinyMlp.InputPath,
            "--allow-emulated", "--measurements", measurements, "--json", "--no-wait-inclusion", "--out", jobDirectory);
        Assert.That(submitExit, Is.EqualTo(0), submitErr + agent.Output);
        using var submitted = JsonDocument.Parse(submitOut.Trim().Split('\n')[^1]);
        var jobId = submitted.RootElement.GetProperty("jobId").GetString()!;
        var outputFiles = Directory.GetFiles(jobDirectory, "*.pb").Select(Path.GetFileName).ToList();
        var outputName = submitted.RootElement.GetProperty("outputs")[0].GetProperty("name").GetString()!;
        var outputBytes = await File.ReadAllBytesAsync(Path.Combine(jobDirectory, outputName + ".pb"));
        Assert.That(outputFiles, Is.EqualTo(new[] { outputName + ".pb" }), "each output under its own name");
        Assert.That(File.Exists(Path.Combine(jobDirectory, "receipt.json")), Is.True);
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(Path.Combine(jobDirectory, "job.json")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "the job file holds secrets");
        }

        Assert.That(submitOut, Does.Not.Contain("resultPrivateKey").And.Not.Contain("jobSecret"), "secrets stay in the job file");

        // Act: fetch later, from the job file alone; verify what was written, and the fetch's own JSON as it is.
        var (fetchExit, fetchOut, fetchErr) = await RunCliAsync("result", "fetch", "--job", jobId, "--out", jobDirectory, "--json");
        var fetchJson = directory.File("fetch.json");
        await File.WriteAllTextAsync(fetchJson, fetchOut);
        var (verifyExit, verifyOut, verifyErr) = await RunCliAsync("result", "verify", "--rpc", rpc, "--registry", registry,
            "--receipt", Path.Combine(jobDirectory, "receipt.json"), "--proof", Path.Combine(jobDirectory, "proof.json"));
        var (verifyJsonExit, _, verifyJsonErr) = await RunCliAsync("result", "verify", "--rpc", rpc, "--registry", registry, "--receipt", fetchJson);
        var (wrongExit, _, wrongErr) = await RunCliAsync("result", "fetch", "--job", "0x" + new string('7', 64), "--out", jobDirectory);

        // Assert
        Assert.That(fetchExit, Is.EqualTo(0), fetchErr + agent.Output);
        using var fetched = JsonDocument.Parse(fetchOut.Trim().Split('\n')[^1]);
        Assert.That(fetched.RootElement.GetProperty("jobId").GetString(), Is.EqualTo(jobId));
        Assert.That(fetched.RootElement.GetProperty("receiptDigest").GetString(), Is.EqualTo(submitted.RootElement.GetProperty("receiptDigest").GetString()));
        Assert.That(fetched.RootElement.GetProperty("inclusion").GetProperty("verifiedOnChain").GetBoolean(), Is.True);
        Assert.That(fetched.RootElement.GetProperty("proof").GetProperty("leaf").GetString(), Is.EqualTo(fetched.RootElement.GetProperty("receiptDigest").GetString()));
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(jobDirectory, outputName + ".pb")), Is.EqualTo(outputBytes), "the same output, opened again");
        Assert.That(File.Exists(Path.Combine(jobDirectory, "proof.json")), Is.True);
        Assert.That(verifyExit, Is.EqualTo(0), verifyErr);
        Assert.That(verifyOut, Does.Contain("\"verified\":true"));
        Assert.That(verifyJsonExit, Is.EqualTo(0), verifyJsonErr);
        Assert.That(wrongExit, Is.EqualTo(2));
        Assert.That(wrongErr, Does.Contain("holds job " + jobId));
    }

    [Test]
    public async Task SubmitJson_FeedsResultVerifyDirectlyAsync()
    {
        using var directory = new TempDirectory("cli-submit-verify");
        var measurements = await ReferenceProfileAsync(directory);
        await using var agent = await AgentProcess.StartAsync(directory, Chain.AgentSettings(), port: null, TaskTimeoutExtensions.DefaultTimeoutToken());
        var rpc = Chain.Anvil.RpcUrl.ToString();
        var registry = Chain.Registry.Address.ToChecksumString();

        var (submitExit, submitOut, submitErr) = await RunCliAsync(
            "submit", "--endpoint", agent.Endpoint.ToString(), "--rpc", rpc, "--registry", registry, "--model", TinyMlp.ModelPath, "--input", "x=" + TinyMlp.InputPath,
            "--allow-emulated", "--measurements", measurements, "--json", "--timeout", "60");
        Assert.That(submitExit, Is.EqualTo(0), submitErr + agent.Output);
        var submitJson = directory.File("submit.json");
        await File.WriteAllTextAsync(submitJson, submitOut);
        var (verifyExit, verifyOut, verifyErr) = await RunCliAsync("result", "verify", "--rpc", rpc, "--registry", registry, "--receipt", submitJson);

        Assert.That(verifyExit, Is.EqualTo(0), verifyErr);
        Assert.That(verifyOut, Does.Contain("\"verified\":true").And.Contain("\"onChainVerifyReceipt\":true"));
    }

    private static async Task<string> ReferenceProfileAsync(TempDirectory directory)
    {
        var (exit, stdout, stderr) = await RunCliAsync("measurements", "show", "--agent-dir", Path.GetDirectoryName(AgentProcess.AgentDll)!, "--tee", "emulated", "--json");
        Assert.That(exit, Is.EqualTo(0), stderr);
        var path = directory.File("measurements.json");
        await File.WriteAllTextAsync(path, stdout);
        return path;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunCliAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr, TaskTimeoutExtensions.DefaultTimeoutToken()).DefaultTimeout();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
