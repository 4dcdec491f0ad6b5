using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using PhalaWorker.Cli;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// An outside Ethereum client checks what the node put on chain: <c>deploy/devnet/crosscheck/verify-onchain.mjs</c>
/// (ethers v6 and Foundry's cast, written from proto/README.md and the committed ABI only) is run with <c>node</c> from
/// PATH on the CLI's own <c>submit --json</c> and <c>result fetch --json</c> output for jobs run by a real agent process
/// against anvil, and must pass every check; fed a receipt with one byte of its output hash changed, or pointed at
/// another NodeRegistry, it must fail and say why, so its checks cannot pass vacuously.
/// </summary>
/// <remarks>
/// Two jobs, so that their receipts share one batch of two (<c>Registry:BatchSize</c> 2): a one-leaf batch has an empty
/// proof, and the script's Merkle fold (sorted pairs, the 0x01 prefix) would go unchecked. The first job is submitted
/// without waiting for its batch and fetched afterwards (the <c>result fetch --json</c> form), the second waits for it
/// (the <c>submit --json</c> form).
/// </remarks>
[Category("Anvil")]
[NonParallelizable]
public sealed class OutsideClientCrossCheckTests
{
    private static readonly string[] ExpectedChecks =
    [
        "ethers: chain", "ethers: registry", "ethers: receipt typed data", "ethers: receipt digest", "ethers: receipt signature",
        "ethers: node registered", "ethers: NodeRegistered event", "ethers: Merkle proof", "ethers: batch node", "ethers: posted batch",
        "ethers: batch transaction", "ethers: verifyReceipt",
        "cast: chain", "cast: node record", "cast: receipt signature", "cast: Merkle proof", "cast: batch transaction", "cast: verifyReceipt",
    ];

    private ChainFixture _chain = null!;
    private TempDirectory _directory = null!;
    private AgentProcess _agent = null!;
    private string _node = null!;
    private string _script = null!;
    private string _cast = null!;
    private string _submitJson = null!;
    private string _fetchJson = null!;
    private string _attestationJson = null!;

    [OneTimeSetUp]
    public async Task OneTimeSetUpAsync()
    {
        _node = FindOnPath("node") ?? IgnoreWith("node is not on PATH (the outside-client cross-check runs with node; CI installs it)");
        _cast = Path.Combine(TestData.RepositoryRoot, "deploy", "node_modules", ".bin", "cast");
        if (!File.Exists(_cast) || !File.Exists(Path.Combine(TestData.RepositoryRoot, "deploy", "node_modules", "ethers", "package.json")))
        {
            IgnoreWith("cast or ethers is not installed under deploy/node_modules (run deploy/install-deps.sh; CI does)");
        }

        _script = Path.Combine(TestData.RepositoryRoot, "deploy", "devnet", "crosscheck", "verify-onchain.mjs");
        var timeout = TaskTimeoutExtensions.DefaultTimeoutToken();
        _chain = await ChainFixture.StartAsync(timeout);
        _directory = new TempDirectory("crosscheck");
        var settings = _chain.AgentSettings();
        settings["Registry:BatchSize"] = "2";
        settings["Registry:BatchMaxAge"] = "00:05:00"; // the batch waits for the second receipt, not for its age
        _agent = await AgentProcess.StartAsync(_directory, settings, port: null, timeout);

        var rpc = _chain.Anvil.RpcUrl.ToString();
        var registry = _chain.Registry.Address.ToChecksumString();
        var measurements = _directory.File("measurements.json");
        await File.WriteAllTextAsync(measurements, await RunCliOkAsync("measurements", "show", "--agent-dir", Path.GetDirectoryName(AgentProcess.AgentDll)!, "--tee", "emulated", "--json"));
        string[] node = ["--endpoint", _agent.Endpoint.ToString(), "--rpc", rpc, "--registry", registry, "--allow-emulated", "--measurements", measurements];
        _attestationJson = _directory.File("attest.json");
        await File.WriteAllTextAsync(_attestationJson, await RunCliOkAsync(["attest", .. node, "--json"]));

        string[] job = [.. node, "--model", TinyMlp.ModelPath, "--input", "x=" + TinyMlp.InputPath, "--json"];
        var firstJob = _directory.File("first-job");
        await RunCliOkAsync(["submit", .. job, "--no-wait-inclusion", "--out", firstJob]);
        _submitJson = _directory.File("submit.json");
        await File.WriteAllTextAsync(_submitJson, await RunCliOkAsync(["submit", .. job, "--timeout", "60"]));
        _fetchJson = _directory.File("fetch.json");
        await File.WriteAllTextAsync(_fetchJson, await RunCliOkAsync("result", "fetch", "--job", firstJob, "--json", "--timeout", "60"));
    }

    [OneTimeTearDown]
    public async Task OneTimeTearDownAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }

        _directory?.Dispose();
        if (_chain is not null)
        {
            await _chain.DisposeAsync();
        }
    }

    [Test]
    public async Task VerifyOnchain_SubmitJson_PassesEveryCheckAsync()
    {
        var (exit, stdout, stderr) = await RunScriptAsync(_submitJson, _chain.Registry.Address.ToChecksumString(), withAttestation: true);

        Assert.That(exit, Is.EqualTo(0), stdout + stderr + _agent.Output);
        AssertEveryCheckPassed(stdout);
        Assert.That(stdout, Does.Contain("HPKE key = the attestation's").And.Contain("endpoint " + _agent.Endpoint.ToString().TrimEnd('/')));
        Assert.That(stdout, Does.Contain("with 1 sibling(s) folds to"), "both receipts in one batch: the fold is exercised");
    }

    [Test]
    public async Task VerifyOnchain_ResultFetchJson_PassesEveryCheckAsync()
    {
        using var fetched = JsonDocument.Parse(await File.ReadAllTextAsync(_fetchJson));
        using var submitted = JsonDocument.Parse(await File.ReadAllTextAsync(_submitJson));

        var (exit, stdout, stderr) = await RunScriptAsync(_fetchJson, _chain.Registry.Address.ToChecksumString(), withAttestation: false);

        Assert.That(exit, Is.EqualTo(0), stdout + stderr + _agent.Output);
        AssertEveryCheckPassed(stdout);
        Assert.That(fetched.RootElement.GetProperty("proof").GetProperty("root").GetString(),
            Is.EqualTo(submitted.RootElement.GetProperty("proof").GetProperty("root").GetString()), "the two jobs share one batch");
    }

    [Test]
    public async Task VerifyOnchain_OneByteOfTheOutputHashChanged_FailsAsync()
    {
        var document = JsonNode.Parse(await File.ReadAllTextAsync(_submitJson))!;
        var message = document["receipt"]!["message"]!;
        var outputHash = message["outputHash"]!.GetValue<string>();
        var lastByte = Convert.ToByte(outputHash[^2..], 16);
        message["outputHash"] = outputHash[..^2] + ((byte)(lastByte ^ 0x01)).ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
        var tampered = _directory.File("tampered.json");
        await File.WriteAllTextAsync(tampered, document.ToJsonString());

        var (exit, stdout, stderr) = await RunScriptAsync(tampered, _chain.Registry.Address.ToChecksumString(), withAttestation: true);

        Assert.That(exit, Is.EqualTo(1), stdout + stderr);
        Assert.That(stderr, Does.Contain("MISMATCH ethers: receipt signature: the EIP-712 signature recovers").And.Contain(", not the node " + Signer()));
        Assert.That(stderr, Does.Contain("MISMATCH ethers: receipt digest: the JSON's receiptDigest"));
        Assert.That(stderr, Does.Contain("MISMATCH ethers: Merkle proof: the root folded from keccak256(0x00 ‖ digest)"));
        Assert.That(stderr, Does.Contain("MISMATCH ethers: verifyReceipt: the registry's verifyReceipt(node, receipt, signature, inclusion) returned false"));
        Assert.That(stderr, Does.Contain("MISMATCH cast: receipt signature: cast wallet verify --data").And.Contain("did not sign this message"));
        Assert.That(stderr, Does.Contain("MISMATCH cast: Merkle proof: the root folded with cast keccak"));
        Assert.That(stderr, Does.Contain("MISMATCH cast: verifyReceipt: cast call verifyReceipt returned false"));
        Assert.That(stdout, Does.Contain("ok    ethers: node registered"), "what the change does not touch still passes");
    }

    [Test]
    public async Task VerifyOnchain_AnotherRegistry_FailsAsync()
    {
        // Another real NodeRegistry on the same chain, where this node never registered nor posted.
        using var deployed = JsonDocument.Parse(await RunCliOkAsync("registry", "deploy", "--rpc", _chain.Anvil.RpcUrl.ToString(), "--key", _chain.Anvil.PrivateKeys[2]));
        var other = deployed.RootElement.GetProperty("registry").GetString()!;

        var (exit, stdout, stderr) = await RunScriptAsync(_submitJson, other, withAttestation: true);

        Assert.That(exit, Is.EqualTo(1), stdout + stderr);
        Assert.That(stderr, Does.Contain($"MISMATCH ethers: registry: the receipt's domain verifyingContract is {_chain.Registry.Address.ToString().ToLowerInvariant()}, expected {other.ToLowerInvariant()}"));
        Assert.That(stderr, Does.Contain($"MISMATCH ethers: node registered: {Signer()} is not registered in {other}"));
        Assert.That(stderr, Does.Contain("MISMATCH ethers: receipt signature: the EIP-712 signature recovers"));
        Assert.That(stderr, Does.Contain($"MISMATCH ethers: posted batch: {Signer()} has 0 batch(es)"));
        Assert.That(stderr, Does.Contain("MISMATCH ethers: verifyReceipt: error: reverted BatchNotFound"));
        Assert.That(stderr, Does.Contain("MISMATCH cast: node record: cast: " + Signer() + " is not active (not registered)"));
        Assert.That(stderr, Does.Contain("MISMATCH cast: batch transaction: cast receipt to is"));
        Assert.That(stderr, Does.Contain($"MISMATCH cast: verifyReceipt: error: cast call failed: reverted BatchNotFound({Signer()}, 0)"));
    }

    [Test]
    public async Task VerifyOnchain_UsageErrors_ExitTwoAsync()
    {
        var (missing, _, missingErr) = await RunProcessAsync(_node, [_script, "--rpc", _chain.Anvil.RpcUrl.ToString(), "--json", _submitJson]);
        var (unreachable, _, unreachableErr) = await RunProcessAsync(_node, [_script, "--rpc", "http://127.0.0.1:9/", "--registry", _chain.Registry.Address.ToChecksumString(), "--json", _submitJson]);

        Assert.That(missing, Is.EqualTo(2));
        Assert.That(missingErr, Does.Contain("--registry is required"));
        Assert.That(unreachable, Is.EqualTo(2));
        Assert.That(unreachableErr, Does.Contain("the RPC http://127.0.0.1:9/ does not answer"));
    }

    private static void AssertEveryCheckPassed(string stdout)
    {
        foreach (var check in ExpectedChecks)
        {
            Assert.That(stdout, Does.Contain("\nok    " + check + ": "), check);
        }

        Assert.That(stdout, Does.Not.Contain("FAIL"));
        Assert.That(stdout, Does.Contain($"\n{ExpectedChecks.Length} checks passed, 0 failed"));
    }

    private string Signer()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(_submitJson));
        return document.RootElement.GetProperty("node").GetString()!;
    }

    private Task<(int Exit, string Stdout, string Stderr)> RunScriptAsync(string json, string registry, bool withAttestation)
    {
        List<string> args = [_script, "--rpc", _chain.Anvil.RpcUrl.ToString(), "--registry", registry, "--json", json, "--cast", _cast];
        if (withAttestation)
        {
            args.AddRange(["--attestation", _attestationJson, "--endpoint", _agent.Endpoint.ToString()]);
        }

        return RunProcessAsync(_node, args);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunProcessAsync(string executable, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(executable);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NO_COLOR"] = "1";
        return ProcessRun.ToExitAsync(start, $"{executable} {string.Join(' ', start.ArgumentList)}");
    }

    private async Task<string> RunCliOkAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr, TaskTimeoutExtensions.DefaultTimeoutToken()).DefaultTimeout();
        Assert.That(exit, Is.EqualTo(0), $"phala-worker {args[0]}: {stderr}{_agent?.Output}");
        return stdout.ToString().Trim().Split('\n')[^1];
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string IgnoreWith(string reason)
    {
        Assert.Ignore(reason);
        return reason; // not reached: Assert.Ignore throws
    }
}
