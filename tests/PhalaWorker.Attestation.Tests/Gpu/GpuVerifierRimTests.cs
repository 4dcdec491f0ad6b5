using System.Text;
using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Policy;
using PhalaWorker.Attestation.Gpu.Rim;
using PhalaWorker.Attestation.Gpu.Verification;

namespace PhalaWorker.Attestation.Tests.Gpu;

/// <summary>The complete real H100 set: report, chain, RIMs and OCSP, at the README's times.</summary>
public sealed class GpuVerifierRimTests
{
    private static readonly GpuAttestationPolicy MissingOcspAllowed = GpuAttestationPolicy.Strict with { AllowMissingOcsp = true };

    private static GpuAppraisal Verify(DateTimeOffset at, OcspResponseSet ocsp, GpuAttestationPolicy policy, IReadOnlyList<ReferenceIntegrityManifest>? rims = null, byte[]? report = null) =>
        GpuVerifier.Verify([GpuTestData.Item(report)], new GpuVerificationContext
        {
            At = at,
            Policy = policy,
            Ocsp = ocsp,
            ExpectedNonce = GpuTestData.Nonce,
            Rims = rims ?? GpuTestData.Rims,
        });

    [Test]
    public void Verify_FullSetAtDeviceOcspTime_DeviceOcspGoodRimsVerifiedMeasurementsMatch()
    {
        // The RIM-chain responses are from 2025-10-24, not yet valid here: they are left out (unavailable, allowed).
        var appraisal = Verify(GpuTestData.DeviceOcspTime, GpuTestData.DeviceOcsp, MissingOcspAllowed);

        var gpu = appraisal.Gpus.Single();
        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(gpu.NonceMatch, Is.True);
            Assert.That(gpu.SignatureVerified, Is.True);
            Assert.That(gpu.CertChainVerified, Is.True);
            Assert.That(gpu.FwidMatch, Is.True);
            Assert.That(gpu.Ocsp, Is.EqualTo(OcspCertificateStatus.Good));
            Assert.That(gpu.DriverRim, Is.EqualTo(RimStatus.Verified));
            Assert.That(gpu.VbiosRim, Is.EqualTo(RimStatus.Verified));
            Assert.That(gpu.DriverRimOcsp, Is.EqualTo(OcspCertificateStatus.Unavailable));
            Assert.That(gpu.Measurements, Is.EqualTo(MeasurementStatus.Match));
            Assert.That(gpu.MismatchedIndices, Is.Empty);
            Assert.That(gpu.ToClaims()["measres"]!.GetValue<string>(), Is.EqualTo("success"));
        });
    }

    [Test]
    public void Verify_FullSetAtRimOcspTime_RimChainOcspGood()
    {
        // The device-chain responses expired 2025-08-22: left out (unavailable, allowed); every RIM-chain response is good.
        var appraisal = Verify(GpuTestData.RimOcspTime, GpuTestData.RimOcsp, MissingOcspAllowed);

        var gpu = appraisal.Gpus.Single();
        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(gpu.DriverRimOcsp, Is.EqualTo(OcspCertificateStatus.Good));
            Assert.That(gpu.VbiosRimOcsp, Is.EqualTo(OcspCertificateStatus.Good));
            Assert.That(gpu.Ocsp, Is.EqualTo(OcspCertificateStatus.Unavailable));
            Assert.That(gpu.Measurements, Is.EqualTo(MeasurementStatus.Match));
        });
    }

    [Test]
    public void Verify_StrictAtEitherTime_OnlyOcspOfTheOtherChainsFails()
    {
        // No single instant makes all seven responses current (see the test data README): the strict policy must say so,
        // and nothing else may fail.
        var atDevice = Verify(GpuTestData.DeviceOcspTime, GpuTestData.AllOcsp, GpuAttestationPolicy.Strict);
        var atRim = Verify(GpuTestData.RimOcspTime, GpuTestData.AllOcsp, GpuAttestationPolicy.Strict);

        Assert.Multiple(() =>
        {
            Assert.That(atDevice.Valid, Is.False);
            // RIM-chain responses are not yet valid: both RIMs are disqualified, so the measurements are not compared.
            Assert.That(atDevice.Gpus[0].Failures.Select(f => f.Check).Distinct(), Is.EquivalentTo(new[] { GpuCheck.Ocsp, GpuCheck.Measurements }));
            Assert.That(atDevice.Gpus[0].Failures.Where(f => f.Check == GpuCheck.Ocsp).Select(f => f.Item), Has.All.StartsWith("NV_GPU_"));
            Assert.That(atDevice.Gpus[0].Ocsp, Is.EqualTo(OcspCertificateStatus.Good));
            Assert.That(atRim.Valid, Is.False);
            Assert.That(atRim.Gpus[0].Failures.Select(f => f.Check).Distinct(), Is.EquivalentTo(new[] { GpuCheck.Ocsp }));
            Assert.That(atRim.Gpus[0].Measurements, Is.EqualTo(MeasurementStatus.Match));
            Assert.That(atRim.Gpus[0].Failures.Select(f => f.Item), Has.All.StartsWith("certificateChain["));
        });
    }

    [Test]
    public void Verify_AtCurrentDate_RimChainsExpired()
    {
        var appraisal = Verify(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), OcspResponseSet.Empty, MissingOcspAllowed);

        var gpu = appraisal.Gpus[0];
        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(gpu.DriverRim, Is.EqualTo(RimStatus.Invalid));
            Assert.That(gpu.VbiosRim, Is.EqualTo(RimStatus.Invalid));
            Assert.That(gpu.Measurements, Is.EqualTo(MeasurementStatus.Unavailable));
            Assert.That(gpu.CertChainVerified, Is.True, "the device chain is valid until 9999");
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.DriverRim));
        });
    }

    [Test]
    public void Verify_MissingVbiosRim_UnavailableAndStrictRejects()
    {
        var appraisal = Verify(GpuTestData.DeviceOcspTime, GpuTestData.DeviceOcsp, MissingOcspAllowed, [GpuTestData.Rims[0]]);

        var gpu = appraisal.Gpus[0];
        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(gpu.DriverRim, Is.EqualTo(RimStatus.Verified));
            Assert.That(gpu.VbiosRim, Is.EqualTo(RimStatus.Unavailable));
            Assert.That(gpu.Measurements, Is.EqualTo(MeasurementStatus.Unavailable));
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.VbiosRim));
            Assert.That(appraisal.FailedItem, Is.EqualTo(GpuTestData.VbiosRimId));
        });
    }

    [Test]
    public void Verify_RimWithChangedHash_InvalidSignatureNamed()
    {
        var xml = Encoding.UTF8.GetString(GpuTestData.Rim(GpuTestData.DriverRimId));
        var at = xml.IndexOf("Hash0=\"", StringComparison.Ordinal) + 7;
        var flipped = xml[at] == 'a' ? 'b' : 'a';
        var tampered = ReferenceIntegrityManifest.Parse(Encoding.UTF8.GetBytes(xml[..at] + flipped + xml[(at + 1)..]), GpuTestData.DriverRimId);

        var appraisal = Verify(GpuTestData.DeviceOcspTime, GpuTestData.DeviceOcsp, MissingOcspAllowed, [tampered, GpuTestData.Rims[1]]);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Gpus[0].DriverRim, Is.EqualTo(RimStatus.Invalid));
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.DriverRim));
            Assert.That(appraisal.Reason, Does.Contain("Digest"));
        });
    }

    [Test]
    public void Verify_MeasurementBlockChangedAndReportResigned_WouldMismatch_ButSignatureCatchesIt()
    {
        // Flip a byte of SPDM block 2 (RIM index 1, VBIOS): the signature fails and the comparison names the index.
        var report = GpuTestData.Report;
        report[37 + 8 + 55 + 7] ^= 0x01;

        var appraisal = Verify(GpuTestData.DeviceOcspTime, GpuTestData.DeviceOcsp, MissingOcspAllowed, report: report);

        var gpu = appraisal.Gpus[0];
        Assert.Multiple(() =>
        {
            Assert.That(gpu.SignatureVerified, Is.False);
            Assert.That(gpu.Measurements, Is.EqualTo(MeasurementStatus.Mismatch));
            Assert.That(gpu.MismatchedIndices, Is.EqualTo(new[] { 1 }));
            Assert.That(gpu.Failures.Select(f => f.Check), Is.SupersetOf(new[] { GpuCheck.ReportSignature, GpuCheck.Measurements }));
        });
    }

    [Test]
    public void Verify_RimOcspTampered_RimRejectedNamingOcsp()
    {
        var responses = GpuTestData.RimOcspFiles.Select(GpuTestData.Ocsp).ToList();
        responses[0][responses[0].Length - 10] ^= 0x01; // driver RIM L4 signer response, inside its signature

        var appraisal = Verify(GpuTestData.RimOcspTime, OcspResponseSet.FromDer(responses), MissingOcspAllowed);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.Ocsp));
            Assert.That(appraisal.FailedItem, Is.EqualTo(GpuTestData.DriverRimId + ".certificateChain[0]"));
            Assert.That(appraisal.Gpus[0].DriverRim, Is.EqualTo(RimStatus.Invalid));
        });
    }
}
