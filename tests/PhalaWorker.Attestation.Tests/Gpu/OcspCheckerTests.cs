using System.Text.RegularExpressions;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Internal;

namespace PhalaWorker.Attestation.Tests.Gpu;

public sealed partial class OcspCheckerTests
{
    private static OcspCheckOptions At(DateTimeOffset at) => new() { At = at };

    /// <summary>The certificates embedded in a RIM (its ds:X509Certificate elements, leaf first).</summary>
    private static List<byte[]> RimChain(string id) =>
        [.. X509Element().Matches(System.Text.Encoding.UTF8.GetString(GpuTestData.Rim(id))).Select(m => Convert.FromBase64String(Regex.Replace(m.Groups[1].Value, @"\s", string.Empty)))];

    [TestCase("NV_GPU_DRIVER_GH100_550.90.07")]
    [TestCase("NV_GPU_VBIOS_1010_0200_882_96009F0001")]
    public void CheckChain_RimChainIndices0ToNMinus2_AllGoodInTheirWindow(string rimId)
    {
        var chain = RimChain(rimId);

        var result = OcspChecker.CheckChain(chain, 0, chain.Count - 2, GpuTestData.AllOcsp, At(GpuTestData.RimOcspTime));

        Assert.Multiple(() =>
        {
            Assert.That(chain, Has.Count.EqualTo(4));
            Assert.That(result.Status, Is.EqualTo(OcspCertificateStatus.Good), result.Worst?.Reason);
            Assert.That(result.Certificates.Select(c => c.ChainIndex), Is.EqualTo(new[] { 0, 1, 2 }));
        });
    }

    [Test]
    public void CheckChain_DeviceChainIndices1To3_GoodWithSha384CertIds()
    {
        var chain = Pem.SplitCertificates(GpuTestData.ChainPem);

        var result = OcspChecker.CheckChain(chain, 1, 3, GpuTestData.AllOcsp, At(GpuTestData.DeviceOcspTime));

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(OcspCertificateStatus.Good), result.Worst?.Reason);
            Assert.That(result.Certificates[0].ThisUpdate, Is.EqualTo(new DateTimeOffset(2025, 8, 21, 6, 47, 7, TimeSpan.Zero)));
            Assert.That(result.Certificates[0].NextUpdate, Is.EqualTo(new DateTimeOffset(2025, 8, 22, 6, 47, 7, TimeSpan.Zero)));
        });
    }

    [Test]
    public void CheckChain_DeviceResponsesAtRimWindow_ResponderExpiredOrStale_Invalid()
    {
        var chain = Pem.SplitCertificates(GpuTestData.ChainPem);

        var result = OcspChecker.CheckChain(chain, 1, 3, GpuTestData.DeviceOcsp, At(GpuTestData.RimOcspTime) with { GracePeriod = TimeSpan.FromDays(90) });

        // Within the grace period the response window passes, but the GSP BROM responder certificate expired 2025-09-21.
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(OcspCertificateStatus.Invalid));
            Assert.That(result.Worst!.Reason, Does.Contain("responder").And.Contain("not at"));
        });
    }

    [Test]
    public void CheckChain_ResponseForAnotherCertificate_Unavailable()
    {
        var chain = Pem.SplitCertificates(GpuTestData.ChainPem);

        var result = OcspChecker.CheckChain(chain, 1, 3, OcspResponseSet.FromDer(GpuTestData.RimOcspFiles.Select(GpuTestData.Ocsp)), At(GpuTestData.DeviceOcspTime));

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(OcspCertificateStatus.Unavailable));
            Assert.That(result.Certificates, Has.All.Property(nameof(OcspCertificateResult.Status)).EqualTo(OcspCertificateStatus.Unavailable));
        });
    }

    [Test]
    public void FromDer_Garbage_KeptAsRejectedNotThrown()
    {
        var set = OcspResponseSet.FromDer([[0x30, 0x03, 0x0A, 0x01, 0x00], [1, 2, 3], GpuTestData.Ocsp("gpu_chain_idx1_GSP_BROM")]);

        Assert.Multiple(() =>
        {
            Assert.That(set.Count, Is.EqualTo(1));
            Assert.That(set.Rejected, Has.Count.EqualTo(2));
        });
    }

    [GeneratedRegex(@"<(?:ds:)?X509Certificate>([^<]+)</(?:ds:)?X509Certificate>")]
    private static partial Regex X509Element();
}
