using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Policy;
using PhalaWorker.Attestation.Gpu.Verification;
using PhalaWorker.Attestation.Internal;

namespace PhalaWorker.Attestation.Tests.Gpu;

public sealed class GpuVerifierTests
{
    /// <summary>Device checks only: RIMs are another stage, OCSP must be good.</summary>
    private static readonly GpuAttestationPolicy DevicePolicy = GpuAttestationPolicy.Strict with { RequireRims = false };

    private static GpuVerificationContext Context(GpuAttestationPolicy? policy = null, OcspResponseSet? ocsp = null, DateTimeOffset? at = null, byte[]? nonce = null) => new()
    {
        At = at ?? GpuTestData.DeviceOcspTime,
        Policy = policy ?? DevicePolicy,
        Ocsp = ocsp ?? GpuTestData.DeviceOcsp,
        ExpectedNonce = nonce ?? GpuTestData.Nonce,
    };

    private static GpuAppraisal Verify(GpuEvidenceItem item, GpuVerificationContext? context = null) => GpuVerifier.Verify([item], context ?? Context());

    [Test]
    public void Verify_RealH100AtDeviceOcspTime_EveryDeviceCheckPasses()
    {
        var appraisal = Verify(GpuTestData.Item());

        var gpu = appraisal.Gpus.Single();
        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(gpu.ReportParsed, Is.True);
            Assert.That(gpu.NonceMatch, Is.True);
            Assert.That(gpu.DriverVersionMatch, Is.True);
            Assert.That(gpu.VbiosVersionMatch, Is.True);
            Assert.That(gpu.SignatureVerified, Is.True);
            Assert.That(gpu.CertChainVerified, Is.True);
            Assert.That(gpu.FwidMatch, Is.True);
            Assert.That(gpu.Ocsp, Is.EqualTo(OcspCertificateStatus.Good));
            Assert.That(gpu.OcspCertificates.Select(c => c.ChainIndex), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(gpu.OcspCertificates.Select(c => c.Serial).First(), Is.EqualTo("41431D480FE5E87274"));
            Assert.That(gpu.DriverVersion, Is.EqualTo("550.90.07"));
            Assert.That(gpu.VbiosVersion, Is.EqualTo("96.00.9f.00.01"));
            Assert.That(gpu.DriverRimId, Is.EqualTo("NV_GPU_DRIVER_GH100_550.90.07"));
            Assert.That(gpu.VbiosRimId, Is.EqualTo("NV_GPU_VBIOS_1010_0200_882_96009F0001"));
            Assert.That(gpu.DriverRim, Is.EqualTo(RimStatus.Unavailable));
            Assert.That(gpu.Measurements, Is.EqualTo(MeasurementStatus.Unavailable));
            Assert.That(gpu.FeatureFlag, Is.Null);
            Assert.That(gpu.Emulated, Is.False);
        });
    }

    [Test]
    public void Verify_StrictPolicyWithoutRims_RejectsRimsUnavailable()
    {
        var appraisal = Verify(GpuTestData.Item(), Context(GpuAttestationPolicy.Strict));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.DriverRim));
            Assert.That(appraisal.Reason, Does.Contain("NV_GPU_DRIVER_GH100_550.90.07").And.Contain("unavailable"));
            Assert.That(appraisal.Gpus[0].Failures.Select(f => f.Check), Is.EquivalentTo(new[] { GpuCheck.DriverRim, GpuCheck.VbiosRim, GpuCheck.Measurements }));
        });
    }

    [Test]
    public void Verify_WithoutOcsp_StrictRejectsAllowMissingAccepts()
    {
        var strict = Verify(GpuTestData.Item(), Context(ocsp: OcspResponseSet.Empty));
        var lenient = Verify(GpuTestData.Item(), Context(DevicePolicy with { AllowMissingOcsp = true }, OcspResponseSet.Empty));

        Assert.Multiple(() =>
        {
            Assert.That(strict.Valid, Is.False);
            Assert.That(strict.FailedCheck, Is.EqualTo(GpuCheck.Ocsp));
            Assert.That(strict.Gpus[0].Ocsp, Is.EqualTo(OcspCertificateStatus.Unavailable));
            Assert.That(lenient.Valid, Is.True, lenient.Reason);
            Assert.That(lenient.Gpus[0].Ocsp, Is.EqualTo(OcspCertificateStatus.Unavailable));
        });
    }

    [Test]
    public void Verify_OcspAfterNextUpdate_RejectsUnlessWithinGrace()
    {
        var later = GpuTestData.DeviceOcspTime.AddDays(2);

        var strict = Verify(GpuTestData.Item(), Context(at: later));
        var grace = Verify(GpuTestData.Item(), Context(DevicePolicy with { OcspGracePeriod = TimeSpan.FromDays(3) }, at: later));

        Assert.Multiple(() =>
        {
            Assert.That(strict.FailedCheck, Is.EqualTo(GpuCheck.Ocsp));
            Assert.That(strict.Gpus[0].Ocsp, Is.EqualTo(OcspCertificateStatus.Invalid));
            Assert.That(strict.Reason, Does.Contain("expired"));
            Assert.That(grace.Valid, Is.True, grace.Reason);
        });
    }

    [Test]
    public void Verify_OcspBeforeThisUpdate_Invalid()
    {
        var appraisal = Verify(GpuTestData.Item(), Context(at: new DateTimeOffset(2025, 8, 20, 0, 0, 0, TimeSpan.Zero)));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.Ocsp));
            Assert.That(appraisal.Reason, Does.Contain("not yet valid"));
        });
    }

    [Test]
    public void Verify_OcspMaxAgeExceeded_Invalid()
    {
        var appraisal = Verify(GpuTestData.Item(), Context(DevicePolicy with { OcspMaxAge = TimeSpan.FromHours(1) }));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.Ocsp));
            Assert.That(appraisal.Reason, Does.Contain("older than the maximum age"));
        });
    }

    [Test]
    public void Verify_OcspNonceRequired_CachedResponsesWithoutNonceInvalid()
    {
        var context = Context() with { OcspNonce = new byte[16] };

        var appraisal = Verify(GpuTestData.Item(), context);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.Ocsp));
            Assert.That(appraisal.Reason, Does.Contain("nonce"));
        });
    }

    [Test]
    public void Verify_WrongNonce_RejectedNamingNonce()
    {
        var other = GpuTestData.Nonce;
        other[0] ^= 1;

        var appraisal = Verify(GpuTestData.Item(), Context(nonce: other));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.Nonce));
            Assert.That(appraisal.Gpus[0].NonceMatch, Is.False);
            Assert.That(appraisal.Gpus[0].SignatureVerified, Is.True);
        });
    }

    [Test]
    public void Verify_ResponderNonceAsExpected_RejectedBecauseOnlyTheRequestNonceCounts()
    {
        var responderNonce = Convert.FromHexString("b4b8a06aaaa35542839388e159d447a5d6f6194998fd86513e2d591ccf640985");

        var appraisal = Verify(GpuTestData.Item(), Context(nonce: responderNonce));

        Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.Nonce));
    }

    [Test]
    public void Verify_NvmlDriverVersionDiffers_RejectedNamingDriverVersion()
    {
        var appraisal = Verify(GpuTestData.Item(driver: "550.90.12"));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.DriverVersion));
            Assert.That(appraisal.Gpus[0].DriverVersionMatch, Is.False);
            Assert.That(appraisal.Reason, Does.Contain("550.90.12"));
        });
    }

    [Test]
    public void Verify_NvmlVbiosVersionDiffers_RejectedNamingVbiosVersion()
    {
        var appraisal = Verify(GpuTestData.Item(vbios: "96.00.9f.00.02"));

        Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.VbiosVersion));
    }

    [Test]
    public void Verify_NoNvmlVersions_MatchesAreNullAndAccepted()
    {
        var appraisal = Verify(GpuTestData.Item(driver: null, vbios: null));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(appraisal.Gpus[0].DriverVersionMatch, Is.Null);
            Assert.That(appraisal.Gpus[0].VbiosVersionMatch, Is.Null);
        });
    }

    [Test]
    public void Verify_EveryByteOfSignedRangeSampled_FlipRejectedNamingSignatureOrParse()
    {
        var report = GpuTestData.Report;
        var signedLength = report.Length - 96;
        var positions = Enumerable.Range(0, 64).Select(i => i * (signedLength - 1) / 63).Concat([4, 35, 36, 4020]).Distinct();
        foreach (var position in positions)
        {
            var tampered = report.ToArray();
            tampered[position] ^= 0x01;

            var appraisal = Verify(GpuTestData.Item(tampered));

            Assert.That(appraisal.Valid, Is.False, $"byte {position}");
            Assert.That(appraisal.Gpus[0].SignatureVerified, Is.False, $"byte {position}: the signature must not verify");
            Assert.That(appraisal.Gpus[0].Failures.Select(f => f.Check), Has.Member(GpuCheck.ReportSignature).Or.Member(GpuCheck.EvidenceFormat), $"byte {position}");
        }
    }

    [Test]
    public void Verify_MeasurementValueByteFlipped_RejectedNamingReportSignature()
    {
        var tampered = GpuTestData.Report;
        tampered[37 + 8 + 55 + 7 + 10] ^= 0x80; // inside block 2's value

        var appraisal = Verify(GpuTestData.Item(tampered));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.ReportSignature));
            Assert.That(appraisal.Reason, Does.Contain("[0, 4021)"));
        });
    }

    [Test]
    public void Verify_SignatureByteFlipped_RejectedNamingReportSignature()
    {
        var tampered = GpuTestData.Report;
        tampered[^1] ^= 0x01;

        Assert.That(Verify(GpuTestData.Item(tampered)).FailedCheck, Is.EqualTo(GpuCheck.ReportSignature));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void Verify_OneByteChangedInCertificate_RejectedNamingTheChain(int index)
    {
        var ders = Pem.SplitCertificates(GpuTestData.ChainPem);
        var tbsOffset = 10; // inside the TBS (serial number area): decodes, but the issuer's signature no longer verifies
        ders[index][tbsOffset + 8] ^= 0x01;

        var appraisal = Verify(GpuTestData.Item(chain: ToPem(ders)));

        var gpu = appraisal.Gpus[0];
        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(gpu.CertChainVerified, Is.False);
            Assert.That(gpu.FailedCheck, Is.EqualTo(GpuCheck.CertificateChain));
            Assert.That(gpu.FailedItem, Is.EqualTo($"certificateChain[{index}]"));
        });
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void Verify_CertificateSignatureByteChanged_RejectedNamingThatCertificate(int index)
    {
        var ders = Pem.SplitCertificates(GpuTestData.ChainPem);
        ders[index][^5] ^= 0x01; // inside the signature value

        var appraisal = Verify(GpuTestData.Item(chain: ToPem(ders)));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.CertificateChain));
            Assert.That(appraisal.FailedItem, Is.EqualTo($"certificateChain[{index}]"));
        });
    }

    [Test]
    public void Verify_FourCertificates_RejectedExactlyFiveRequired()
    {
        var ders = Pem.SplitCertificates(GpuTestData.ChainPem);

        var appraisal = Verify(GpuTestData.Item(chain: ToPem(ders.Take(4))));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.CertificateChain));
            Assert.That(appraisal.Reason, Does.Contain("exactly 5"));
        });
    }

    [Test]
    public void Verify_ReorderedChain_Rejected()
    {
        var ders = Pem.SplitCertificates(GpuTestData.ChainPem);
        (ders[1], ders[2]) = (ders[2], ders[1]);

        var appraisal = Verify(GpuTestData.Item(chain: ToPem(ders)));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.CertificateChain));
            Assert.That(appraisal.Gpus[0].CertChainVerified, Is.False);
        });
    }

    [Test]
    public void Verify_WrongRoot_RejectedNamingTrustedRoot()
    {
        var ders = Pem.SplitCertificates(GpuTestData.ChainPem);
        ders[4] = Pem.SplitCertificates(File.ReadAllBytes(GpuTestData.PathOf("roots/verifier_RIM_root.pem")))[0];

        var appraisal = Verify(GpuTestData.Item(chain: ToPem(ders)));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.TrustedRoot));
            Assert.That(appraisal.FailedItem, Is.EqualTo("certificateChain[4]"));
        });
    }

    [Test]
    public void Verify_RootTrustedByCaller_AnchorsOnSubjectAndKey()
    {
        var rimRoot = GpuTrustedRoots.FromCertificate(File.ReadAllBytes(GpuTestData.PathOf("roots/verifier_RIM_root.pem")));

        var appraisal = Verify(GpuTestData.Item(), Context() with { Roots = rimRoot });

        Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.TrustedRoot));
    }

    [Test]
    public void Verify_BeforeDeviceCertificatesValid_RejectedNamingCertificateValidity()
    {
        var appraisal = Verify(GpuTestData.Item(), Context(DevicePolicy with { AllowMissingOcsp = true }, OcspResponseSet.Empty, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.CertificateChain));
            Assert.That(appraisal.Reason, Does.Contain("not at 2020-01-01"));
        });
    }

    [Test]
    public void Verify_FwidFieldChanged_RejectedNamingFwidAndSignature()
    {
        var tampered = GpuTestData.Report;
        var fwid = Convert.FromHexString("f5c384aebb579217a2c66b17ed0f28e6a9b8d639041acd7b4721cec004f7275494ba94bb5cdfdb3055ee051762b1f75d");
        var at = tampered.AsSpan().IndexOf(fwid);
        tampered[at] ^= 0x01;

        var appraisal = Verify(GpuTestData.Item(tampered));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Gpus[0].FwidMatch, Is.False);
            Assert.That(appraisal.Gpus[0].Failures.Select(f => f.Check), Is.SupersetOf(new[] { GpuCheck.ReportSignature, GpuCheck.Fwid }));
        });
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void Verify_OneByteChangedInEachDeviceOcspResponse_RejectedNamingOcsp(int file)
    {
        var responses = GpuTestData.DeviceOcspFiles.Select(GpuTestData.Ocsp).ToList();
        var positions = new[] { 40, responses[file].Length / 2, responses[file].Length - 10 };
        foreach (var position in positions)
        {
            var tampered = responses.Select(r => r.ToArray()).ToList();
            tampered[file][position] ^= 0x01;

            var appraisal = Verify(GpuTestData.Item(), Context(ocsp: OcspResponseSet.FromDer(tampered)));

            Assert.That(appraisal.Valid, Is.False, $"response {file}, byte {position}");
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.Ocsp), $"response {file}, byte {position}");
            Assert.That(appraisal.FailedItem, Is.EqualTo($"certificateChain[{file + 1}]"), $"response {file}, byte {position}");
        }
    }

    [Test]
    public void Verify_PolicyMinimumDriverAboveReport_RejectedNamingPolicy()
    {
        var appraisal = Verify(GpuTestData.Item(), Context(DevicePolicy with { MinimumDriverVersion = "550.127.05", MinimumVbiosVersion = "96.00.9f.00.01" }));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.DriverVersionPolicy));
            Assert.That(appraisal.Gpus[0].Failures, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void Verify_PolicyMinimumVbiosAboveReport_Rejected()
    {
        var appraisal = Verify(GpuTestData.Item(), Context(DevicePolicy with { MinimumDriverVersion = "535.104", MinimumVbiosVersion = "96.00.a0.00.00" }));

        Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.VbiosVersionPolicy));
    }

    [TestCase("off", GpuCheck.CcMode)]
    [TestCase("devtools", GpuCheck.DevTools)]
    public void Verify_NvmlCcMode_RejectedByStrictPolicy(string mode, GpuCheck check)
    {
        var appraisal = Verify(GpuTestData.Item() with { CcMode = mode });

        Assert.That(appraisal.FailedCheck, Is.EqualTo(check));
    }

    [Test]
    public void Verify_SameGpuTwice_SecondRejectedAsDuplicateDevice()
    {
        var appraisal = GpuVerifier.Verify([GpuTestData.Item(), GpuTestData.Item()], Context());

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.Gpus[0].Valid, Is.True);
            Assert.That(appraisal.FailedGpu, Is.EqualTo(1));
            Assert.That(appraisal.Reason, Does.Contain("same as GPU 0"));
        });
    }

    [Test]
    public void Verify_NoGpus_Rejected()
    {
        var appraisal = GpuVerifier.Verify([], Context());

        Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.EvidenceFormat));
    }

    [Test]
    public void Verify_TruncatedReport_RejectedNamingEvidenceFormat()
    {
        var appraisal = Verify(GpuTestData.Item(GpuTestData.Report[..100]));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.EvidenceFormat));
            Assert.That(appraisal.FailedItem, Does.StartWith("evidence.response"));
        });
    }

    [Test]
    public void ToClaims_RealH100_CarriesNvidiaClaimNames()
    {
        var claims = Verify(GpuTestData.Item()).ToClaims();

        var gpu = claims["submods"]!["GPU-0"]!;
        Assert.Multiple(() =>
        {
            Assert.That(claims["x-nvidia-overall-att-result"]!.GetValue<bool>(), Is.True);
            Assert.That(gpu["x-nvidia-gpu-attestation-report-signature-verified"]!.GetValue<bool>(), Is.True);
            Assert.That(gpu["x-nvidia-gpu-attestation-report-cert-chain-fwid-match"]!.GetValue<bool>(), Is.True);
            Assert.That(gpu["measres"]!.GetValue<string>(), Is.EqualTo("fail"), "no RIMs: measurements not compared");
        });
    }

    private static byte[] ToPem(IEnumerable<byte[]> ders) =>
        System.Text.Encoding.ASCII.GetBytes(string.Concat(ders.Select(d => $"-----BEGIN CERTIFICATE-----\n{Convert.ToBase64String(d, Base64FormattingOptions.InsertLineBreaks)}\n-----END CERTIFICATE-----\n")));
}
