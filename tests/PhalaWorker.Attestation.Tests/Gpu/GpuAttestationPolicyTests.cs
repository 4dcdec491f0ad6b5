using PhalaWorker.Attestation.Gpu.Policy;

namespace PhalaWorker.Attestation.Tests.Gpu;

public sealed class GpuAttestationPolicyTests
{
    [Test]
    public void Strict_Defaults_AreTheStrictOnes()
    {
        var policy = GpuAttestationPolicy.Strict;

        Assert.Multiple(() =>
        {
            Assert.That(policy.RequireCcMode, Is.True);
            Assert.That(policy.AllowDevTools, Is.False);
            Assert.That(policy.RequireRims, Is.True);
            Assert.That(policy.AllowMissingOcsp, Is.False);
            Assert.That(policy.OcspGracePeriod, Is.EqualTo(TimeSpan.Zero));
            Assert.That(policy.AllowPpcie, Is.False);
            Assert.That(policy.AllowEmulated, Is.False);
        });
    }

    [Test]
    public void FromJson_AllMembers_RoundTrip()
    {
        const string json = """
            // comments are allowed
            { "minimumDriverVersion": "550.54.15", "minimumVbiosVersion": "96.00.88.00.11", "allowMissingOcsp": true,
              "ocspGracePeriod": "1.00:00:00", "ocspMaxAge": "7.00:00:00", "requireRims": false, "allowPpcie": true, }
            """;

        var policy = GpuAttestationPolicy.FromJson(json);

        Assert.Multiple(() =>
        {
            Assert.That(policy.MinimumDriverVersion, Is.EqualTo("550.54.15"));
            Assert.That(policy.OcspGracePeriod, Is.EqualTo(TimeSpan.FromDays(1)));
            Assert.That(policy.OcspMaxAge, Is.EqualTo(TimeSpan.FromDays(7)));
            Assert.That(GpuAttestationPolicy.FromJson(policy.ToJson()), Is.EqualTo(policy));
        });
    }

    [Test]
    public void FromJson_OneMember_KeepsTheStrictDefaultsOfTheOthers()
    {
        var policy = GpuAttestationPolicy.FromJson("""{ "allowMissingOcsp": true }""");

        Assert.Multiple(() =>
        {
            Assert.That(policy.AllowMissingOcsp, Is.True);
            Assert.That(policy.RequireCcMode, Is.True, "left out: the strict default, not false");
            Assert.That(policy.RequireRims, Is.True, "left out: the strict default, not false");
            Assert.That(policy, Is.EqualTo(GpuAttestationPolicy.Strict with { AllowMissingOcsp = true }));
            Assert.That(GpuAttestationPolicy.FromJson("{}"), Is.EqualTo(GpuAttestationPolicy.Strict));
        });
    }

    [TestCase("{\"allowEverything\":true}")]
    [TestCase("{\"minimumDriverVersion\":\"latest\"}")]
    [TestCase("{\"minimumVbiosVersion\":\"96.zz\"}")]
    [TestCase("{\"ocspGracePeriod\":\"-1.00:00:00\"}")]
    [TestCase("null")]
    public void FromJson_Invalid_ThrowsPolicyFormat(string json)
    {
        var ex = Assert.Throws<AttestationException>(() => GpuAttestationPolicy.FromJson(json));

        Assert.That(ex!.Reason, Is.EqualTo(AttestationErrorReason.PolicyFormat));
    }
}
