using System.Text.Json;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Testing;

namespace PhalaWorker.Cli.Tests.Commands;

/// <summary>`measurements show`: a build's reference values, and the emulated profile the devnet demo allow-lists.</summary>
public sealed class MeasurementsCommandTests
{
    [Test]
    public async Task Show_EmulatedJson_ProfileOfTheDirectoryAndEventsReplayingToRtmr3Async()
    {
        using var directory = AgentDirectory();

        var (exit, stdout, stderr) = await RunAsync("measurements", "show", "--agent-dir", directory.Path, "--tee", "emulated", "--json");

        Assert.That(exit, Is.EqualTo(0), stderr);
        using var json = JsonDocument.Parse(stdout);
        var profile = MeasurementProfileJson.Read(json.RootElement.GetProperty("profile"));
        var events = json.RootElement.GetProperty("events").EnumerateArray().ToList();
        var replayed = RtmrEventLog.Replay(events.Select(e => new RtmrEvent(3, e.GetProperty("type").GetString()!, [], Convert.FromHexString(e.GetProperty("digest").GetString()!))));
        Assert.That(profile.AgentDigest, Is.EqualTo(AgentDigest.Compute(directory.Path)));
        Assert.That(json.RootElement.GetProperty("agentDigest").GetString(), Is.EqualTo(Convert.ToHexStringLower(profile.AgentDigest)));
        Assert.That(profile.RequiredSettings[MeasuredSettings.Tee], Is.EqualTo("emulated"));
        Assert.That(profile.RequiredSettings.Keys, Is.EquivalentTo(MeasuredSettings.Names));
        Assert.That(events.Select(e => e.GetProperty("type").GetString()).Take(2), Is.EqualTo(new[] { "agent-version", "agent-digest" }));
        Assert.That(Convert.ToHexStringLower(replayed), Is.EqualTo(json.RootElement.GetProperty("rtmr3").GetString()));
    }

    [Test]
    public async Task Show_SettingOverride_InTheProfileAsync()
    {
        using var directory = AgentDirectory();

        var (exit, stdout, _) = await RunAsync("measurements", "show", "--agent-dir", directory.Path, "--tee", "emulated", "--setting", "compute.backend=cuda", "--json");

        Assert.That(exit, Is.EqualTo(0));
        using var json = JsonDocument.Parse(stdout);
        Assert.That(json.RootElement.GetProperty("profile").GetProperty("requiredSettings").GetProperty("compute.backend").GetString(), Is.EqualTo("cuda"));
    }

    [Test]
    public async Task Show_HardwareTee_NoProfileButTheAgentValuesAsync()
    {
        using var directory = AgentDirectory();

        var (exit, stdout, _) = await RunAsync("measurements", "show", "--agent-dir", directory.Path, "--json");

        Assert.That(exit, Is.EqualTo(0));
        using var json = JsonDocument.Parse(stdout);
        Assert.That(json.RootElement.GetProperty("profile").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(json.RootElement.GetProperty("tee").GetString(), Is.EqualTo("configfs-tsm"));
    }

    [TestCase("--setting", "no.such-setting=1", "is not a measured setting")]
    [TestCase("--setting", "compute.backend", "is not name=value")]
    [TestCase("--tee", "sgx", "is not configfs-tsm, tdx-guest or emulated")]
    public async Task Show_BadOption_ExitsTwoAsync(string option, string value, string message)
    {
        using var directory = AgentDirectory();

        var (exit, _, stderr) = await RunAsync("measurements", "show", "--agent-dir", directory.Path, option, value);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain(message));
    }

    [Test]
    public async Task Show_DirectoryWithoutAgent_ExitsTwoAsync()
    {
        using var directory = new TempDirectory("no-agent");

        var (exit, _, stderr) = await RunAsync("measurements", "show", "--agent-dir", directory.Path);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("holds no PhalaWorker.Agent.dll"));
    }

    /// <summary>A published-looking agent directory: a real .NET assembly under the agent's name, a dependency, settings.</summary>
    private static TempDirectory AgentDirectory()
    {
        var directory = new TempDirectory("agent-dir");
        File.Copy(typeof(CliApplication).Assembly.Location, directory.File("PhalaWorker.Agent.dll"));
        File.WriteAllText(directory.File("PhalaWorker.Agent.deps.json"), "{}");
        File.WriteAllText(directory.File("appsettings.json"), "{}");
        return directory;
    }

    private static async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr, TaskTimeoutExtensions.DefaultTimeoutToken()).DefaultTimeout();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
