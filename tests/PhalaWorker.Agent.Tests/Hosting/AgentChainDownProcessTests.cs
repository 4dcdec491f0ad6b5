using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using PhalaWorker.Agent.Hosting;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;
using PhalaWorker.Testing;
using PhalaWorker.Testing.Anvil;

namespace PhalaWorker.Agent.Tests.Hosting;

/// <summary>
/// The agent as a real process with its chain down at start: the gRPC and health ports open, <c>/healthz/ready</c> says why it
/// is not ready, it never exits, and it becomes ready once anvil comes back (restarted on its port from its saved state, with
/// the registry deployed before it went down). A failure no retry can fix (the RPC serves another chain than configured) still exits with code 4.
/// </summary>
[Category("Anvil")]
public sealed class AgentChainDownProcessTests
{
    // anvil's first two dev accounts (its well-known test mnemonic): 0 deploys the registry, 1 operates the node. The
    // registry's address is then the first contract of account 0 (nonce 0).
    private const string DeployerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private const string OperatorKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    private const string RegistryAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

    [Test]
    public async Task ChainDownAtStart_ServesHealthThenBecomesReadyWhenTheChainReturnsAsync()
    {
        using var directory = new TempDirectory("agent-chain-down");
        var key = directory.File("operator.key");
        await File.WriteAllTextAsync(key, OperatorKey);

        // The chain with its registry, then down (its state kept on disk) before the agent starts.
        await using var anvil = await AnvilNode.StartAsync(new AnvilOptions { PersistState = true }, TaskTimeoutExtensions.DefaultTimeoutToken());
        Assert.That(anvil.PrivateKeys[0], Is.EqualTo(DeployerKey).IgnoreCase);
        Assert.That(anvil.PrivateKeys[1], Is.EqualTo(OperatorKey).IgnoreCase);
        using (var rpcHttp = new TestHttpClientFactory())
        {
            var rpc = new EthJsonRpcClient(rpcHttp, anvil.RpcUrl);
            using var deployer = EthSigner.FromHex(DeployerKey);
            using var sender = new TransactionSender(rpc, deployer, new InMemoryTransactionStore(),
                new TransactionSenderOptions { ChainId = anvil.ChainId, PollInterval = TimeSpan.FromMilliseconds(100) });
            var registry = await NodeRegistryClient.DeployAsync(sender, cancellationToken: TaskTimeoutExtensions.DefaultTimeoutToken());
            Assert.That(registry.Address.ToChecksumString(), Is.EqualTo(RegistryAddress));
        }

        await Task.Delay(TimeSpan.FromSeconds(2)); // anvil dumps its state every second
        await anvil.KillAsync();

        var grpcPort = AgentExecutable.FreePort();
        var metricsPort = AgentExecutable.FreePort();
        var start = AgentExecutable.StartInfo(directory,
            ["--tee", "emulated", "--listen", $"https://127.0.0.1:{grpcPort}", "--metrics-listen", $"http://127.0.0.1:{metricsPort}",
             "--rpc", anvil.RpcUrl.ToString(), "--registry", RegistryAddress, "--operator-key-file", key,
             "--Registry:RetryInitialDelay", "00:00:00.200", "--Registry:RetryMaxDelay", "00:00:01"]);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}"), Timeout = TimeSpan.FromSeconds(5) };
        var passed = false;
        try
        {
            // Chain down: health answers, readiness names the reason and the next try, the gRPC port is open.
            using var notReady = await PollReadyAsync(http, process, (status, body) => status == 503 && body.Contains("chain unreachable", StringComparison.Ordinal));
            var live = await http.GetAsync(new Uri("/healthz/live", UriKind.Relative));
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", grpcPort).DefaultTimeout();
            }

            Assert.That((int)live.StatusCode, Is.EqualTo(200));
            Assert.That(Check(notReady, "chain_reachable"), Does.Match(@"^chain unreachable: .+, retrying in [0-9.]+m?s$"));
            Assert.That(Check(notReady, "registered"), Is.EqualTo("not registered yet"));
            Assert.That(Check(notReady, "attested"), Does.StartWith("attested with"));

            // A few retries later the chain comes back, on the same port and with its registry.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.That(process.HasExited, Is.False, "the agent must not exit while the chain is down");
            await anvil.RestartAsync(TaskTimeoutExtensions.DefaultTimeoutToken());

            using var ready = await PollReadyAsync(http, process, (status, _) => status == 200);

            Assert.That(Check(ready, "registered"), Does.Match("^registered by 0x[0-9a-f]{64}$"));
            Assert.That(Check(ready, "chain_reachable"), Is.EqualTo("registration reached the chain"));
            passed = true;
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            var output = await stdout;
            var errors = await stderr;
            await TestContext.Out.WriteLineAsync(output);
            await TestContext.Out.WriteLineAsync(errors);
            if (passed)
            {
                Assert.That(errors, Is.Empty, "nothing on stderr while the agent runs");
                Assert.That(output, Does.Contain("retrying in"), "each failed attempt logs one warning with the wait");
                ProcessLogAssert.VerifyNoErrors(output); // a chain that is down is no error in the agent's log
            }
        }
    }

    [Test]
    public async Task ChainIdMismatch_ExitsFourWithOneLineAsync()
    {
        using var directory = new TempDirectory("agent-chain-mismatch");
        var key = directory.File("operator.key");
        await File.WriteAllTextAsync(key, OperatorKey);
        await using var anvil = await AnvilNode.StartAsync(cancellationToken: TaskTimeoutExtensions.DefaultTimeoutToken());

        var (exit, stdout, stderr) = await AgentExecutable.RunAsync(directory,
            ["--tee", "emulated", "--listen", $"https://127.0.0.1:{AgentExecutable.FreePort()}", "--rpc", anvil.RpcUrl.ToString(),
             "--registry", RegistryAddress, "--operator-key-file", key, "--Chain:ChainId", "5"]);

        Assert.That(exit, Is.EqualTo((int)AgentExitCode.Chain), AgentExecutable.Describe(exit, stdout, stderr));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1), stderr);
        Assert.That(stderr, Does.StartWith("phala-worker-agent: error: registration failed").And.Contain("Chain:ChainId is 5"));
    }

    private static string Check(JsonDocument report, string name) =>
        report.RootElement.GetProperty("checks").GetProperty(name).GetProperty("description").GetString()!;

    private static async Task<JsonDocument> PollReadyAsync(HttpClient http, Process process, Func<int, string, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        while (true)
        {
            Assert.That(process.HasExited, Is.False, "the agent exited");
            try
            {
                var response = await http.GetAsync(new Uri("/healthz/ready", UriKind.Relative), timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                if (condition((int)response.StatusCode, body))
                {
                    return JsonDocument.Parse(body);
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200, timeout.Token);
        }
    }

}
