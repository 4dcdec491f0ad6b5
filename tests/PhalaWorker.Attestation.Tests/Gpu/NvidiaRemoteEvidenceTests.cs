using System.Text;
using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Spdm;
using PhalaWorker.Attestation.Gpu.Verification;

namespace PhalaWorker.Attestation.Tests.Gpu;

public sealed class NvidiaRemoteEvidenceTests
{
    private static string One(string extra = "") =>
        $$"""{"arch":"HOPPER","certificate":"{{Convert.ToBase64String(GpuTestData.ChainPem)}}","evidence":"{{Convert.ToBase64String(GpuTestData.Report)}}","nonce":"{{Convert.ToHexStringLower(GpuTestData.Nonce)}}"{{extra}}}""";

    private static IReadOnlyList<GpuEvidenceItem> Parse(string json) => NvidiaRemoteEvidence.Parse(Encoding.UTF8.GetBytes(json));

    [Test]
    public void Parse_SingleObjectAndList_SameItem()
    {
        var single = Parse(One());
        var list = Parse($"[{One(",\"driverVersion\":\"550.90.07\",\"vbiosVersion\":\"96.00.9f.00.01\",\"uuid\":\"GPU-1234\",\"ccMode\":\"on\"")}]");

        Assert.Multiple(() =>
        {
            Assert.That(single, Has.Count.EqualTo(1));
            Assert.That(single[0].Report, Is.EqualTo(GpuTestData.Report));
            Assert.That(single[0].CertificateChainPem, Is.EqualTo(GpuTestData.ChainPem));
            Assert.That(single[0].Nonce, Is.EqualTo(GpuTestData.Nonce));
            Assert.That(single[0].DriverVersion, Is.Null);
            Assert.That(list[0].DriverVersion, Is.EqualTo("550.90.07"));
            Assert.That(list[0].VbiosVersion, Is.EqualTo("96.00.9f.00.01"));
            Assert.That(list[0].Uuid, Is.EqualTo("GPU-1234"));
            Assert.That(list[0].CcMode, Is.EqualTo("on"));
        });
    }

    [Test]
    public void Serialize_RoundTrips()
    {
        var items = Parse($"[{One(",\"uuid\":\"GPU-1\"")}]");

        var again = NvidiaRemoteEvidence.Parse(NvidiaRemoteEvidence.Serialize(items));

        Assert.That(again.Single(), Is.EqualTo(items[0]).Using<GpuEvidenceItem>((a, b) => a.Report.SequenceEqual(b.Report) && a.Uuid == b.Uuid && a.Nonce.SequenceEqual(b.Nonce) && a.CertificateChainPem.SequenceEqual(b.CertificateChainPem)));
    }

    [TestCase("[]", "evidence")]
    [TestCase("42", "evidence")]
    [TestCase("{", "evidence")]
    [TestCase("[1]", "evidence[0]")]
    [TestCase("{\"arch\":\"HOPPER\"}", "evidence.certificate")]
    [TestCase("{\"arch\":\"AMPERE\",\"certificate\":\"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\",\"evidence\":\"AA==\",\"nonce\":\"00\"}", "evidence.arch")]
    public void Parse_Malformed_NamesTheMember(string json, string field)
    {
        var ex = Assert.Throws<GpuEvidenceFormatException>(() => Parse(json));

        Assert.That(ex!.Field, Is.EqualTo(field));
    }

    [TestCase(",\"extra\":\"x\"", "evidence.extra")]
    [TestCase(",\"uuid\":5", "evidence.uuid")]
    [TestCase(",\"ccMode\":\"maybe\"", "evidence.ccMode")]
    [TestCase(",\"driverVersion\":\"\"", "evidence.driverVersion")]
    [TestCase(",\"arch\":\"HOPPER\"", "evidence.arch")]
    public void Parse_BadOptionalMember_NamesIt(string extra, string field)
    {
        var ex = Assert.Throws<GpuEvidenceFormatException>(() => Parse(One(extra)));

        Assert.That(ex!.Field, Is.EqualTo(field));
    }

    [Test]
    public void Parse_ShortNonceAndBadBase64_Named()
    {
        var shortNonce = One().Replace(Convert.ToHexStringLower(GpuTestData.Nonce), "abcd", StringComparison.Ordinal);
        var badBase64 = One().Replace("\"evidence\":\"", "\"evidence\":\"!!", StringComparison.Ordinal);

        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<GpuEvidenceFormatException>(() => Parse(shortNonce))!.Field, Is.EqualTo("evidence.nonce"));
            Assert.That(Assert.Throws<GpuEvidenceFormatException>(() => Parse(badBase64))!.Field, Is.EqualTo("evidence.evidence"));
        });
    }

    [Test]
    public void VerifyRemoteEvidence_RealH100Json_DeviceChecksPass()
    {
        var context = new GpuVerificationContext
        {
            At = GpuTestData.DeviceOcspTime,
            Policy = Attestation.Gpu.Policy.GpuAttestationPolicy.Strict with { RequireRims = false },
            Ocsp = GpuTestData.DeviceOcsp,
        };

        var appraisal = GpuVerifier.VerifyRemoteEvidence(Encoding.UTF8.GetBytes(One(",\"driverVersion\":\"550.90.07\"")), context);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(appraisal.Gpus[0].DriverVersionMatch, Is.True);
        });
    }

    [Test]
    public void VerifyRemoteEvidence_Malformed_OneEvidenceFormatFailure()
    {
        var appraisal = GpuVerifier.VerifyRemoteEvidence("{}"u8, new GpuVerificationContext { At = GpuTestData.DeviceOcspTime });

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.EvidenceFormat));
        });
    }
}
