using System.Text;
using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Emulation;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Policy;
using PhalaWorker.Attestation.Gpu.Rim;
using PhalaWorker.Attestation.Gpu.Spdm;
using PhalaWorker.Attestation.Gpu.Verification;

namespace PhalaWorker.Attestation.Tests.Gpu.Emulation;

public sealed class EmulatedGpuTests
{
    private static readonly DateTimeOffset IssuedAt = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset At = IssuedAt.AddDays(2);
    private static readonly byte[] Seed = Encoding.ASCII.GetBytes("emulated-gpu-test-seed");
    private static readonly byte[] Nonce = [.. Enumerable.Range(0, 32).Select(i => (byte)(0xA0 + i))];
    private static readonly EmulatedGpu Gpu = EmulatedGpu.FromSeed(Seed, IssuedAt);

    private static GpuVerificationContext Context(GpuAttestationPolicy policy, bool emulatedRoots = true) => new()
    {
        At = At,
        Policy = policy,
        Roots = emulatedRoots ? Gpu.TrustedRoots : GpuTrustedRoots.NvidiaDevice,
        RimRoots = emulatedRoots ? Gpu.RimTrustedRoots : RimTrustedRoots.Nvidia,
        Rims = Gpu.Rims(),
        Ocsp = Gpu.OcspResponses(At),
        ExpectedNonce = Nonce,
    };

    private static readonly GpuAttestationPolicy Emulated = GpuAttestationPolicy.Strict with { AllowEmulated = true };

    [Test]
    public void WriteReport_ParsesAsSpdm11WithTheOpaqueFieldsAndBlocks()
    {
        var report = GpuAttestationReportParser.Parse(Gpu.WriteReport(Nonce));

        Assert.Multiple(() =>
        {
            Assert.That(report.Request.Nonce, Is.EqualTo(Nonce));
            Assert.That(report.Response.Blocks, Has.Count.EqualTo(EmulatedGpu.MeasurementCount));
            Assert.That(report.Response.Blocks.Select(b => b.Value), Is.EqualTo(Gpu.Measurements));
            Assert.That(report.DriverVersion, Is.EqualTo(EmulatedGpu.DriverVersion));
            Assert.That(report.VbiosVersion, Is.EqualTo(EmulatedGpu.VbiosVersion));
            Assert.That(report.DriverRimId(EmulatedGpu.Arch), Is.EqualTo(EmulatedGpu.DriverRimId.Value));
            Assert.That(report.VbiosRimId, Is.EqualTo(EmulatedGpu.VbiosRimId.Value));
            Assert.That(report.Fwid, Is.EqualTo(Gpu.Fwid));
            Assert.That(report.Nvdec0Status, Is.EqualTo(RimMeasurementComparer.Nvdec0Enabled));
        });
    }

    [Test]
    public void FromSeed_SameSeed_SameChainAndReportBytes()
    {
        var again = EmulatedGpu.FromSeed(Seed, IssuedAt);
        var other = EmulatedGpu.FromSeed(Encoding.ASCII.GetBytes("another-seed"), IssuedAt);

        Assert.Multiple(() =>
        {
            Assert.That(again.CertificateChainDer, Is.EqualTo(Gpu.CertificateChainDer));
            Assert.That(again.WriteReport(Nonce), Is.EqualTo(Gpu.WriteReport(Nonce)));
            Assert.That(other.RootCertificateDer, Is.Not.EqualTo(Gpu.RootCertificateDer));
        });
    }

    [Test]
    public void Verify_AllowEmulatedWithEmulatedRoots_EveryCheckPasses()
    {
        var appraisal = GpuVerifier.Verify([Gpu.Evidence(Nonce)], Context(Emulated));

        var gpu = appraisal.Gpus.Single();
        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(appraisal.Emulated, Is.True);
            Assert.That(gpu.SignatureVerified, Is.True);
            Assert.That(gpu.CertChainVerified, Is.True);
            Assert.That(gpu.FwidMatch, Is.True);
            Assert.That(gpu.NonceMatch, Is.True);
            Assert.That(gpu.Ocsp, Is.EqualTo(OcspCertificateStatus.Good));
            Assert.That(gpu.OcspCertificates.Select(c => c.ChainIndex), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(gpu.DriverRim, Is.EqualTo(RimStatus.Verified));
            Assert.That(gpu.VbiosRim, Is.EqualTo(RimStatus.Verified));
            Assert.That(gpu.DriverRimOcsp, Is.EqualTo(OcspCertificateStatus.Good));
            Assert.That(gpu.VbiosRimOcsp, Is.EqualTo(OcspCertificateStatus.Good));
            Assert.That(gpu.Measurements, Is.EqualTo(MeasurementStatus.Match));
        });
    }

    [Test]
    public void Verify_StrictDefaultPolicyWithEmulatedRoots_RefusedAsEmulated()
    {
        var appraisal = GpuVerifier.Verify([Gpu.Evidence(Nonce)], Context(GpuAttestationPolicy.Strict));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.EmulatedRoot));
            Assert.That(appraisal.Gpus.Single().Failures.Where(f => f.Check == GpuCheck.EmulatedRoot).Select(f => f.Item),
                Is.EquivalentTo(new[] { "certificateChain[4]", EmulatedGpu.DriverRimId.Value, EmulatedGpu.VbiosRimId.Value }));
        });
    }

    [Test]
    public void Verify_DefaultContext_RefusedAtTheTrustedRoot()
    {
        var context = new GpuVerificationContext { At = At, ExpectedNonce = Nonce, Rims = Gpu.Rims(), Ocsp = Gpu.OcspResponses(At) };

        var appraisal = GpuVerifier.Verify([Gpu.Evidence(Nonce)], context);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.TrustedRoot));
            Assert.That(appraisal.Reason, Does.Contain(EmulatedGpu.RootName));
            Assert.That(appraisal.Emulated, Is.False);
        });
    }

    [Test]
    public void Verify_AllowEmulatedButProductionRoots_Refused()
    {
        var appraisal = GpuVerifier.Verify([Gpu.Evidence(Nonce)], Context(Emulated, emulatedRoots: false));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.TrustedRoot));
        });
    }

    [TestCase(40, TestName = "Verify_FlippedByte_RefusedAtSignature(response header)")]
    [TestCase(200, TestName = "Verify_FlippedByte_RefusedAtSignature(measurement value)")]
    [TestCase(-120, TestName = "Verify_FlippedByte_RefusedAtSignature(opaque data)")]
    public void Verify_FlippedReportByte_RefusedAtSignature(int offset)
    {
        var item = Gpu.Evidence(Nonce);
        var report = item.Report;
        var at = offset >= 0 ? offset : report.Length + offset;
        report[at] ^= 0x01;

        var appraisal = GpuVerifier.Verify([item with { Report = report }], Context(Emulated));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.Gpus.Single().SignatureVerified, Is.False);
            Assert.That(appraisal.Gpus.Single().Failures.Select(f => f.Check), Does.Contain(GpuCheck.ReportSignature));
        });
    }

    [Test]
    public void Verify_FlippedMeasurementByte_FailsFirstAtTheSignatureThenTheMeasurements()
    {
        var item = Gpu.Evidence(Nonce);
        var report = item.Report;
        report[SpdmMeasurementRequest.Size + 8 + 7 + 10] ^= 0x80; // inside block 1's value

        var appraisal = GpuVerifier.Verify([item with { Report = report }], Context(Emulated));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.ReportSignature));
            Assert.That(appraisal.Gpus.Single().Measurements, Is.EqualTo(MeasurementStatus.Mismatch));
            Assert.That(appraisal.Gpus.Single().MismatchedIndices, Is.EqualTo(new[] { 0 }));
        });
    }

    [Test]
    public void Verify_ReportForAnotherNonce_RefusedAtTheNonce()
    {
        var other = new byte[32];

        var appraisal = GpuVerifier.Verify([Gpu.Evidence(other)], Context(Emulated));

        Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.Nonce));
    }

    [Test]
    public void Verify_WithoutOcspResponses_RefusedAtOcsp()
    {
        var appraisal = GpuVerifier.Verify([Gpu.Evidence(Nonce)], Context(Emulated) with { Ocsp = OcspResponseSet.Empty });

        Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.Ocsp));
    }
}
