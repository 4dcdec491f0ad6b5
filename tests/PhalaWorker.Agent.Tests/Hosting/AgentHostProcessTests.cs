using System.Net;
using System.Net.Sockets;
using PhalaWorker.Agent.Hosting;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Hosting;

/// <summary>
/// The agent started as a real process with each kind of bad start-up input: it must print exactly one
/// <c>phala-worker-agent: error: …</c> line on stderr naming what to fix, exit with the documented code, and never print
/// a stack trace. <c>--help</c> and <c>--version</c> answer before any host starts.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class AgentHostProcessTests
{
    private const string Prefix = "phala-worker-agent: error: ";

    [Test]
    public async Task Help_PrintsUsageAndExitsZeroAsync()
    {
        using var directory = new TempDirectory("agent-help");
        var (exit, stdout, stderr) = await AgentExecutable.RunAsync(directory, ["--help"]);

        Assert.That(exit, Is.EqualTo(0), AgentExecutable.Describe(exit, stdout, stderr));
        Assert.That(stdout, Does.StartWith("Usage: phala-worker-agent"));
        Assert.That(stdout, Does.Contain("--metrics-listen URL").And.Contain("Exit codes:"));
        Assert.That(stderr, Is.Empty);
    }

    [Test]
    public async Task Version_PrintsNameAndVersionAsync()
    {
        using var directory = new TempDirectory("agent-version");
        var (exit, stdout, stderr) = await AgentExecutable.RunAsync(directory, ["--version"]);

        Assert.That(exit, Is.EqualTo(0), AgentExecutable.Describe(exit, stdout, stderr));
        Assert.That(stdout.Trim(), Does.Match(@"^phala-worker-agent \d+\.\d+\.\d+$"));
    }

    private static IEnumerable<TestCaseData> BadStarts()
    {
        yield return new TestCaseData(new[] { "--tee", "bogus" }, AgentExitCode.Configuration, "Attestation:Tee").SetName("BadTee_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--backend", "gpu9" }, AgentExitCode.Configuration, "Compute:Backend").SetName("BadBackend_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--listen", "not-a-url" }, AgentExitCode.Configuration, "Agent:Listen").SetName("BadListenUrl_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--listen", "https://agent.example:7080" }, AgentExitCode.Configuration, "Agent:Listen").SetName("ListenHostName_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--listen", "http://127.0.0.1:7080" }, AgentExitCode.Configuration, "Agent:TlsMode=plaintext")
            .SetName("CleartextListenWithoutPlaintextMode_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--tls-mode", "plaintext", "--listen", "https://127.0.0.1:7080" }, AgentExitCode.Configuration, "give http://HOST:PORT")
            .SetName("PlaintextModeWithHttpsListen_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--tls-mode", "kestrel" }, AgentExitCode.Configuration, "Agent:TlsMode must be ra-tls or plaintext")
            .SetName("UnknownTlsMode_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--metrics-listen", "http://127.0.0.1" }, AgentExitCode.Configuration, "Agent:MetricsListen").SetName("MetricsListenWithoutPort_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--Registry:BatchSize", "0" }, AgentExitCode.Configuration, "Registry:BatchSize").SetName("BatchSizeZero_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--Registry:BatchMaxAge", "soon" }, AgentExitCode.Configuration, "Registry:BatchMaxAge").SetName("BatchMaxAgeNotATimeSpan_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--Registry:RpcUrl", "http://127.0.0.1:1" }, AgentExitCode.Configuration, "Registry:RpcUrl is now Chain:RpcUrl")
            .SetName("ChainSettingUnderItsOldName_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--Agent:BatchSize", "4" }, AgentExitCode.Configuration, "Agent:BatchSize is now Registry:BatchSize")
            .SetName("BatchSettingUnderItsOldName_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--rpc", "not a url", "--registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "--operator-key-file", "/nonexistent/op.key" }, AgentExitCode.Configuration, "Chain:RpcUrl")
            .SetName("RpcUrlNotAUrl_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--rpc", "http://127.0.0.1:1", "--registry", "0x1234", "--operator-key-file", "/nonexistent/op.key" }, AgentExitCode.Configuration, "Chain:RegistryAddress")
            .SetName("BadRegistryAddress_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--rpc", "http://127.0.0.1:1", "--registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "--operator-key-file", "/nonexistent/op.key" }, AgentExitCode.Configuration, "Registry:OperatorKeyFile")
            .SetName("MissingOperatorKeyFile_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--rpc", "http://127.0.0.1:1", "--registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3" }, AgentExitCode.Configuration, "operator key")
            .SetName("ChainWithoutOperatorKey_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--bogus", "1" }, AgentExitCode.Configuration, "unknown switch '--bogus'").SetName("UnknownSwitch_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee" }, AgentExitCode.Configuration, "--tee needs a value").SetName("SwitchWithoutValue_ExitsTwo");
        yield return new TestCaseData(new[] { "--tee", "emulated", "--urls", "http://127.0.0.1:5000" }, AgentExitCode.Configuration, "--listen").SetName("Urls_RefusedWithHint_ExitsTwo");
    }

    [TestCaseSource(nameof(BadStarts))]
    public async Task BadStart_OneLineAndExitCodeAsync(string[] args, AgentExitCode expected, string names)
    {
        using var directory = new TempDirectory("agent-bad");
        var (exit, stdout, stderr) = await AgentExecutable.RunAsync(directory, args);

        AssertOneErrorLine(exit, stdout, stderr, expected, names);
    }

    [Test]
    public async Task NoTee_ExitsThreeAsync()
    {
        using var directory = new TempDirectory("agent-no-tee");
        var (exit, stdout, stderr) = await AgentExecutable.RunAsync(directory, ["--tee", "auto"], new Dictionary<string, string>
        {
            ["Attestation__ConfigFsTsmRoot"] = directory.File("no-such-tsm"),
            ["Attestation__TdxGuestDevice"] = directory.File("no-such-device"),
        });

        AssertOneErrorLine(exit, stdout, stderr, AgentExitCode.TeeUnavailable, "--tee emulated");
    }

    [Test]
    public async Task ListenPortInUse_ExitsSixAsync()
    {
        using var directory = new TempDirectory("agent-in-use");
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        var (exit, stdout, stderr) = await AgentExecutable.RunAsync(directory, ["--tee", "emulated", "--listen", $"https://127.0.0.1:{port}"]);

        AssertOneErrorLine(exit, stdout, stderr, AgentExitCode.Listen, "cannot listen");
    }

    [Test]
    public async Task JournalUnderAFile_ExitsFiveAsync()
    {
        using var directory = new TempDirectory("agent-journal");
        await File.WriteAllTextAsync(directory.File("blocker"), "a file where the journal's directory should be");
        var (exit, stdout, stderr) = await AgentExecutable.RunAsync(directory, ["--tee", "emulated", "--listen", $"https://127.0.0.1:{AgentExecutable.FreePort()}"], new Dictionary<string, string>
        {
            ["Agent__JournalPath"] = directory.File(Path.Combine("blocker", "journal.db")),
        });

        AssertOneErrorLine(exit, stdout, stderr, AgentExitCode.Storage, "blocker");
    }

    // A chain that is down at start no longer ends the agent: AgentChainDownProcessTests shows it serving health and becoming
    // ready once the chain returns, and a failure no retry can fix exiting with code 4.

    [Test]
    public async Task SettingsDirectory_IsReadWhateverTheWorkingDirectoryAsync()
    {
        using var directory = new TempDirectory("agent-etc");
        await File.WriteAllTextAsync(directory.File("appsettings.json"), """{ "Registry": { "BatchSize": 0 } }""");

        var (exit, stdout, stderr) = await AgentExecutable.RunAsync(directory, ["--tee", "emulated"]);

        AssertOneErrorLine(exit, stdout, stderr, AgentExitCode.Configuration, "Registry:BatchSize");
    }

    [Test]
    public async Task SettingsDirectory_CommandLineWinsOverItAsync()
    {
        using var directory = new TempDirectory("agent-etc-override");
        await File.WriteAllTextAsync(directory.File("appsettings.json"), """{ "Attestation": { "Tee": "emulated" }, "Registry": { "BatchSize": 0 } }""");

        var (exit, stdout, stderr) = await AgentExecutable.RunAsync(directory, ["--Registry:BatchSize", "8", "--tee", "bogus"]);

        // BatchSize 0 from the file was overridden by the switch, so only the bad --tee remains.
        AssertOneErrorLine(exit, stdout, stderr, AgentExitCode.Configuration, "Attestation:Tee");
        Assert.That(stderr, Does.Not.Contain("BatchSize"));
    }

    [Test]
    public async Task SettingsDirectory_BadJson_ExitsTwoAsync()
    {
        using var directory = new TempDirectory("agent-etc-json");
        await File.WriteAllTextAsync(directory.File("appsettings.json"), """{ "Registry": { "BatchSize": """);

        var (exit, stdout, stderr) = await AgentExecutable.RunAsync(directory, ["--tee", "emulated"]);

        AssertOneErrorLine(exit, stdout, stderr, AgentExitCode.Configuration, "appsettings.json");
    }

    private static void AssertOneErrorLine(int exit, string stdout, string stderr, AgentExitCode expected, string names)
    {
        var describe = AgentExecutable.Describe(exit, stdout, stderr);
        Assert.That(exit, Is.EqualTo((int)expected), describe);
        var lines = stderr.TrimEnd().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(1), describe);
        Assert.That(lines[0], Does.StartWith(Prefix).And.Contain(names), describe);
        Assert.That(lines[0], Does.Contain(", "), "what, then how to fix: " + describe);
        Assert.That(AgentExecutable.HasStackTrace(stdout + stderr), Is.False, describe);
    }
}
