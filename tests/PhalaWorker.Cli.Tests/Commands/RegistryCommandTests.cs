using System.Security.Cryptography;
using System.Text.Json;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;
using PhalaWorker.Testing;
using PhalaWorker.Testing.Anvil;

namespace PhalaWorker.Cli.Tests.Commands;

/// <summary>`registry allow-measurements | revoke-measurements | measurements` and `nodes list` against the real contract on anvil.</summary>
[Category("Anvil")]
public sealed class RegistryCommandTests
{
    private AnvilNode _anvil = null!;
    private string _registry = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _anvil = await AnvilNode.StartAsync(cancellationToken: cts.Token);
        var (exit, stdout, stderr) = await RunAsync("registry", "deploy", "--rpc", _anvil.RpcUrl.ToString(), "--key", _anvil.PrivateKeys[0]);
        Assert.That(exit, Is.Zero, stderr);
        _registry = JsonDocument.Parse(stdout).RootElement.GetProperty("registry").GetString()!;
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _anvil.DisposeAsync();

    private static MeasurementProfile RealQuoteProfile(string name)
    {
        var body = QuoteParser.Parse(TestData.ReadBytes("attestation", "tdx_quote_v4.bin")).Body;
        return new MeasurementProfile
        {
            Name = name,
            MrTd = body.MrTd,
            Rtmr0 = body.GetRtmr(0),
            Rtmr1 = body.GetRtmr(1),
            Rtmr2 = body.GetRtmr(2),
            AgentDigest = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("agent " + name)),
            RequiredSettings = new Dictionary<string, string> { ["Compute:Backend"] = "cuda" },
        };
    }

    [Test]
    public async Task AllowListRevoke_ByOwner_RoundTripsAsync()
    {
        using var directory = new TempDirectory();
        var profile = RealQuoteProfile("cli round trip");
        await File.WriteAllTextAsync(directory.File("profile.json"), MeasurementProfileJson.ToJson(profile));
        var rpc = _anvil.RpcUrl.ToString();

        var allowed = await RunAsync("registry", "allow-measurements", "--rpc", rpc, "--registry", _registry, "--key", _anvil.PrivateKeys[0], "--profile", directory.File("profile.json"));
        Assert.That(allowed.Exit, Is.Zero, allowed.Stderr);
        var id = JsonDocument.Parse(allowed.Stdout).RootElement.GetProperty("profileId").GetString()!;
        var listed = await RunAsync("registry", "measurements", "--rpc", rpc, "--registry", _registry, "--json");
        var table = await RunAsync("registry", "measurements", "--rpc", rpc, "--registry", _registry);
        var revoked = await RunAsync("registry", "revoke-measurements", "--rpc", rpc, "--registry", _registry, "--key", _anvil.PrivateKeys[0], "--id", id);
        var after = await RunAsync("registry", "measurements", "--rpc", rpc, "--registry", _registry, "--json");

        Assert.That(listed.Exit, Is.Zero, listed.Stderr);
        var entry = JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);
        var back = MeasurementProfileJson.Read(entry.GetProperty("profile"));
        Assert.That(back.MrTd, Is.EqualTo(profile.MrTd));
        Assert.That(back.AgentDigest, Is.EqualTo(profile.AgentDigest));
        Assert.That(back.RequiredSettings["Compute:Backend"], Is.EqualTo("cuda"));
        Assert.That(id, Is.EqualTo(PhalaWorker.Client.RegistryReader.ToEntry(profile).Id.ToString()));
        Assert.That(table.Stdout, Does.Contain(id).And.Contain("cli round trip"));
        Assert.That(revoked.Exit, Is.Zero, revoked.Stderr);
        Assert.That(JsonDocument.Parse(after.Stdout).RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()), Does.Not.Contain(id));
    }

    [Test]
    public async Task AllowMeasurements_NotOwner_ExitsOneNamingNotOwnerAsync()
    {
        using var directory = new TempDirectory();
        await File.WriteAllTextAsync(directory.File("profile.json"), MeasurementProfileJson.ToJson(RealQuoteProfile("stranger")));
        Environment.SetEnvironmentVariable("PHALA_WORKER_KEY", _anvil.PrivateKeys[3]);
        try
        {
            var (exit, _, stderr) = await RunAsync("registry", "allow-measurements", "--rpc", _anvil.RpcUrl.ToString(), "--registry", _registry, "--profile", directory.File("profile.json"));

            Assert.That(exit, Is.EqualTo(1));
            Assert.That(stderr, Does.Contain("NotOwner"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PHALA_WORKER_KEY", null);
        }
    }

    [Test]
    public async Task AllowMeasurements_ShortMeasurement_ExitsTwoNamingTheFieldAsync()
    {
        using var directory = new TempDirectory();
        var json = MeasurementProfileJson.ToJson(RealQuoteProfile("short")).Replace("\"rtmr1\": \"", "\"rtmr1\": \"00", StringComparison.Ordinal);
        await File.WriteAllTextAsync(directory.File("profile.json"), json);

        var (exit, _, stderr) = await RunAsync("registry", "allow-measurements", "--rpc", _anvil.RpcUrl.ToString(), "--registry", _registry, "--key", _anvil.PrivateKeys[0], "--profile", directory.File("profile.json"));

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("rtmr1"));
    }

    [Test]
    public async Task RevokeMeasurements_UnknownOrMalformedId_ExitsOneOrTwoAsync()
    {
        var rpc = _anvil.RpcUrl.ToString();

        var unknown = await RunAsync("registry", "revoke-measurements", "--rpc", rpc, "--registry", _registry, "--key", _anvil.PrivateKeys[0], "--id", Keccak256.HashUtf8("none").ToString());
        var malformed = await RunAsync("registry", "revoke-measurements", "--rpc", rpc, "--registry", _registry, "--key", _anvil.PrivateKeys[0], "--id", "0x1234");

        Assert.That(unknown.Exit, Is.EqualTo(1));
        Assert.That(unknown.Stderr, Does.Contain("MeasurementsNotAllowed"));
        Assert.That(malformed.Exit, Is.EqualTo(2));
        Assert.That(malformed.Stderr, Does.Contain("--id"));
    }

    [Test]
    public async Task NodesList_ShowsTeeNamesAndRetiredStateAsync()
    {
        using var http = new TestHttpClientFactory();
        var rpc = new EthJsonRpcClient(http, _anvil.RpcUrl);
        using var operatorKey = EthSigner.FromHex(_anvil.PrivateKeys[1]);
        using var sender = new TransactionSender(rpc, operatorKey, new InMemoryTransactionStore(), new TransactionSenderOptions { ChainId = _anvil.ChainId, PollInterval = TimeSpan.FromMilliseconds(50) });
        var registry = new NodeRegistryClient(rpc, EthAddress.Parse(_registry), _anvil.ChainId, sender);
        using var old = EthSigner.Generate();
        using var current = EthSigner.Generate();
        NodeRegistration Registration(EthAddress node) => new(node, Keccak256.HashUtf8("hpke"), "https://n.example", 2, Keccak256.HashUtf8("q"), Keccak256.HashUtf8("m"), Keccak256.HashUtf8("r"), Keccak256.HashUtf8("d"));
        await registry.RegisterNodeAsync(Registration(old.Address), old).DefaultTimeout();
        await registry.RegisterNodeAsync(Registration(current.Address) with { Predecessor = old.Address }, current).DefaultTimeout();

        var table = await RunAsync("nodes", "list", "--rpc", _anvil.RpcUrl.ToString(), "--registry", _registry);
        var json = await RunAsync("nodes", "list", "--rpc", _anvil.RpcUrl.ToString(), "--registry", _registry, "--json");

        var oldLine = table.Stdout.Split('\n').Single(l => l.StartsWith(old.Address.ToString(), StringComparison.Ordinal));
        Assert.That(oldLine, Does.Contain("retired").And.Contain("tee=emulated-tdx").And.Contain("successor=" + current.Address));
        Assert.That(table.Stdout, Does.Not.Contain("tee=2"));
        var entries = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().ToList();
        var oldEntry = entries.Single(e => e.GetProperty("node").GetString() == old.Address.ToChecksumString());
        var currentEntry = entries.Single(e => e.GetProperty("node").GetString() == current.Address.ToChecksumString());
        Assert.That(oldEntry.GetProperty("status").GetString(), Is.EqualTo("retired"));
        Assert.That(oldEntry.GetProperty("tee").GetString(), Is.EqualTo("emulated-tdx"));
        Assert.That(currentEntry.GetProperty("status").GetString(), Is.EqualTo("active"));
        Assert.That(currentEntry.GetProperty("predecessor").GetString(), Is.EqualTo(old.Address.ToChecksumString()));
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr, CancellationToken.None).DefaultTimeout();
        return (exit, stdout.ToString(), stderr.ToString());
    }

}
