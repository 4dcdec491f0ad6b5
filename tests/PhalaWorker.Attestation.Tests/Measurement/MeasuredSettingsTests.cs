using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using PhalaWorker.Attestation.Gpu.Policy;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Testing;

namespace PhalaWorker.Attestation.Tests.Measurement;

public sealed class MeasuredSettingsTests
{
    [Test]
    public void Collect_NoGpuPolicy_MeasuresStrict()
    {
        var measured = Collect(new Dictionary<string, string?>());

        Assert.That(measured[MeasuredSettings.GpuPolicy], Is.EqualTo("strict"));
    }

    [Test]
    public void Collect_GpuPolicyFile_MeasuresSha256OfItsCanonicalJson()
    {
        using var directory = new TempDirectory("gpu-policy");
        var path = directory.File("policy.json");
        var canonical = GpuAttestationPolicy.Strict with { AllowMissingOcsp = true };
        File.WriteAllText(path, canonical.ToJson().Replace("\n", " ", StringComparison.Ordinal).Replace(": ", " :  ", StringComparison.Ordinal)); // same policy, other layout

        var measured = Collect(new Dictionary<string, string?> { ["Attestation:GpuPolicy"] = path });

        // Independently: the hex SHA-256 of the policy's canonical JSON (so reformatting the file measures alike).
        var expected = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToJson())));
        Assert.That(measured[MeasuredSettings.GpuPolicy], Is.EqualTo(expected));
        Assert.That(measured[MeasuredSettings.GpuPolicy], Is.Not.EqualTo(MeasuredSettings.GpuPolicyValue(GpuAttestationPolicy.Strict)), "a loosened policy measures differently");
    }

    [Test]
    public void Collect_GpuPolicyFileMissing_MeasuredAsUnloadable()
    {
        var measured = Collect(new Dictionary<string, string?> { ["Attestation:GpuPolicy"] = "/nonexistent/policy.json" });

        Assert.That(measured[MeasuredSettings.GpuPolicy], Is.EqualTo("unloadable"));
    }

    [Test]
    public void Collect_ResolvedGpuPolicy_WinsOverTheConfiguredFile()
    {
        var measured = MeasuredSettings.Collect(Configuration(new Dictionary<string, string?> { ["Attestation:GpuPolicy"] = "/nonexistent/policy.json" }), "Production", "emulated", "cpu", "sha256:00")
            .ToDictionary(p => p.Key, p => p.Value);

        Assert.That(measured[MeasuredSettings.GpuPolicy], Is.EqualTo("sha256:00"), "the agent measures the policy it loaded");
    }

    [TestCase(null, "ra-tls")]
    [TestCase("plaintext", "plaintext")]
    public void Collect_TlsMode_MeasuresAgentTlsMode(string? configured, string expected)
    {
        var measured = Collect(new Dictionary<string, string?> { ["Agent:TlsMode"] = configured, ["Agent:Listen"] = "http://127.0.0.1:1" });

        Assert.That(measured[MeasuredSettings.TlsMode], Is.EqualTo(expected), "the mode, not the listen URL's scheme");
    }

    [Test]
    public void Collect_Always_OneValuePerNameInOrder()
    {
        Assert.That(Collect(new Dictionary<string, string?>()).Keys, Is.EqualTo(MeasuredSettings.Names));
    }

    private static Dictionary<string, string> Collect(Dictionary<string, string?> settings) =>
        MeasuredSettings.Collect(Configuration(settings), "Production", "emulated", "cpu").ToDictionary(p => p.Key, p => p.Value);

    private static IConfiguration Configuration(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
