using PhalaWorker.Attestation.Policy;

namespace PhalaWorker.Attestation.Tests.Policy;

public sealed class MeasurementProfileJsonTests
{
    private static MeasurementProfile Sample() => new()
    {
        Name = "test profile",
        MrTd = Enumerable.Range(0, 48).Select(i => (byte)i).ToArray(),
        Rtmr0 = Enumerable.Repeat((byte)1, 48).ToArray(),
        Rtmr1 = Enumerable.Repeat((byte)2, 48).ToArray(),
        Rtmr2 = Enumerable.Repeat((byte)3, 48).ToArray(),
        AgentDigest = Enumerable.Repeat((byte)0xab, 32).ToArray(),
        RequiredSettings = new Dictionary<string, string>(StringComparer.Ordinal) { ["tls.mode"] = "ra-tls", ["compute.backend"] = "cuda" },
    };

    [Test]
    public void ToJson_Parse_RoundTrips()
    {
        var json = MeasurementProfileJson.ToJson(Sample());
        var back = MeasurementProfileJson.Parse(json);

        Assert.That(back.Name, Is.EqualTo("test profile"));
        Assert.That(back.MrTd, Is.EqualTo(Sample().MrTd));
        Assert.That(back.Rtmr2, Is.EqualTo(Sample().Rtmr2));
        Assert.That(back.AgentDigest, Is.EqualTo(Sample().AgentDigest));
        Assert.That(back.RequiredSettings, Is.EquivalentTo(Sample().RequiredSettings));
        Assert.That(json.IndexOf("compute.backend", StringComparison.Ordinal), Is.LessThan(json.IndexOf("tls.mode", StringComparison.Ordinal)), "settings are written sorted");
    }

    [TestCase("mrTd", "00", "has 1 bytes, expected 48")]
    [TestCase("agentDigest", "zz", "is not hex")]
    public void Parse_BadField_NamesIt(string field, string value, string expected)
    {
        var json = MeasurementProfileJson.ToJson(Sample()).Replace(
            $"\"{field}\": \"{Convert.ToHexStringLower(field == "mrTd" ? Sample().MrTd : Sample().AgentDigest)}\"", $"\"{field}\": \"{value}\"", StringComparison.Ordinal);

        var ex = Assert.Throws<AttestationException>(() => MeasurementProfileJson.Parse(json));
        Assert.That(ex!.Reason, Is.EqualTo(AttestationErrorReason.PolicyFormat));
        Assert.That(ex.Message, Does.Contain(field).And.Contain(expected));
    }

    [Test]
    public void Parse_UnknownMember_IsRefused()
    {
        var json = MeasurementProfileJson.ToJson(Sample(), indented: false).Replace("{\"name\"", "{\"rtmr3\":\"00\",\"name\"", StringComparison.Ordinal);

        var ex = Assert.Throws<AttestationException>(() => MeasurementProfileJson.Parse(json));
        Assert.That(ex!.Message, Does.Contain("unknown member 'rtmr3'"));
    }

    [Test]
    public void Parse_AcceptsHexPrefix()
    {
        var json = MeasurementProfileJson.ToJson(Sample()).Replace("\"agentDigest\": \"", "\"agentDigest\": \"0x", StringComparison.Ordinal);

        Assert.That(MeasurementProfileJson.Parse(json).AgentDigest, Is.EqualTo(Sample().AgentDigest));
    }
}
