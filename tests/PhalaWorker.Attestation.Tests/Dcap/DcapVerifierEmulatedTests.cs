using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Tests.Dcap;

/// <summary>The same verifier on quotes and collateral from att-emu's emulated TEE (re-signed where a test needs a changed body).</summary>
public sealed class DcapVerifierEmulatedTests
{
    private static readonly byte[] Seed = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly DateTimeOffset Issued = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset At = Issued.AddDays(1);
    private static readonly AttestationPolicy AllowEmulated = AttestationPolicy.Strict with { AllowEmulated = true };

    private static (EmulatedTee Tee, TrustedRoots Roots) Create(EmulatedPlatform? platform = null)
    {
        var tee = EmulatedTee.FromSeed(Seed, Issued, platform);
        return (tee, TrustedRoots.Intel.WithEmulated(tee.EmulatedRootCertificateDer));
    }

    private static QuoteAppraisal Verify(EmulatedTee tee, TrustedRoots roots, byte[] quote, AttestationPolicy policy, QuoteCollateral? collateral = null) =>
        DcapVerifier.Verify(quote, collateral ?? tee.Collateral.ToQuoteCollateral(), At, policy, roots);

    private static byte[] Quote(EmulatedTee tee, EmulatedTdMeasurements? measurements = null) => tee.CreateQuote(new byte[64], measurements);

    /// <summary>Changes the quote and re-signs header ‖ body with the emulated attestation key (derived from the same seed).</summary>
    private static byte[] Resign(byte[] quoteBytes, Func<TdxQuote, TdxQuote> change)
    {
        var quote = change(QuoteParser.Parse(quoteBytes));
        var signature = EmulatedKey.Derive(Seed, "attestation-key").SignRaw(QuoteWriter.WriteSignedRegion(quote));
        return QuoteWriter.Write(quote with { SignatureData = quote.SignatureData with { Signature = signature } });
    }

    [Test]
    public void Verify_EmulatedQuoteWithAllowEmulated_ValidUpToDateAndFlagged()
    {
        var (tee, roots) = Create();

        var appraisal = Verify(tee, roots, Quote(tee), AllowEmulated);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(appraisal.Emulated, Is.True);
            Assert.That(appraisal.TcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(appraisal.AdvisoryIds, Is.Empty);
        });
    }

    [Test]
    public void Verify_EmulatedQuoteUnderStrictPolicy_EmulatedRootRejected()
    {
        var (tee, roots) = Create();

        var appraisal = Verify(tee, roots, Quote(tee), AttestationPolicy.Strict);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.EmulatedRoot));
            Assert.That(appraisal.FailedItem, Does.Contain(EmulatedTee.RootCaName));
        });
    }

    [Test]
    public void Verify_EmulatedQuoteWithIntelRootsOnly_TrustedRootRejectedEvenWhenPolicyAllows()
    {
        var (tee, _) = Create();

        var appraisal = Verify(tee, TrustedRoots.Intel, Quote(tee), AllowEmulated);

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TrustedRoot), appraisal.Reason);
    }

    [Test]
    public void Verify_RealQuoteWithEmulatedCollateral_RootMismatchRejected()
    {
        var (tee, roots) = Create();

        var appraisal = Verify(tee, roots, AttestationTestData.Quote, AllowEmulated);

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TrustedRoot), appraisal.Reason);
    }

    [Test]
    public void Verify_DebugTd_RejectedWithTcbStatus()
    {
        var (tee, roots) = Create();
        var debug = EmulatedTdMeasurements.Default with { TdAttributes = [0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00] };

        var appraisal = Verify(tee, roots, Quote(tee, debug), AllowEmulated);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.DebugTd));
            Assert.That(appraisal.FailedItem, Is.EqualTo("body.tdAttributes"));
            Assert.That(appraisal.Reason, Does.Contain("DEBUG"));
            Assert.That(appraisal.TcbStatus, Is.EqualTo(TcbStatus.UpToDate));
        });
    }

    [Test]
    public void Verify_DebugTdWithAllowDebug_Valid()
    {
        var (tee, roots) = Create();
        var debug = EmulatedTdMeasurements.Default with { TdAttributes = [0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00] };

        var appraisal = Verify(tee, roots, Quote(tee, debug), AllowEmulated with { AllowDebug = true });

        Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
    }

    [Test]
    public void Verify_V5WithZeroMrServiceTd_Valid()
    {
        var (tee, roots) = Create();
        var quote = Resign(Quote(tee), q => q with
        {
            Header = q.Header with { Version = 5 },
            Body = q.Body with { TeeTcbSvn2 = new byte[16], MrServiceTd = new byte[48] },
        });

        var appraisal = Verify(tee, roots, quote, AllowEmulated);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(appraisal.QuoteVersion, Is.EqualTo(5));
            Assert.That(appraisal.Measurements!.MrServiceTd, Is.EqualTo(new string('0', 96)));
        });
    }

    [Test]
    public void Verify_V5WithMrServiceTd_RejectedUnlessAllowed()
    {
        var (tee, roots) = Create();
        var quote = Resign(Quote(tee), q => q with
        {
            Header = q.Header with { Version = 5 },
            Body = q.Body with { TeeTcbSvn2 = new byte[16], MrServiceTd = Enumerable.Repeat((byte)0xAB, 48).ToArray() },
        });

        var rejected = Verify(tee, roots, quote, AllowEmulated);
        var allowed = Verify(tee, roots, quote, AllowEmulated with { AllowMrServiceTd = true });

        Assert.Multiple(() =>
        {
            Assert.That(rejected.FailedCheck, Is.EqualTo(VerificationCheck.MrServiceTd));
            Assert.That(rejected.FailedItem, Is.EqualTo("body.mrServiceTd"));
            Assert.That(allowed.Valid, Is.True, allowed.Reason);
        });
    }

    [Test]
    public void Verify_V5BodyByteChanged_QuoteSignature()
    {
        var (tee, roots) = Create();
        var quote = Resign(Quote(tee), q => q with { Header = q.Header with { Version = 5 } });
        quote[48 + 6 + 200] ^= 0x01;

        Assert.That(Verify(tee, roots, quote, AllowEmulated).FailedCheck, Is.EqualTo(VerificationCheck.QuoteSignature));
    }

    [Test]
    public void Verify_RevokedPckCertificate_CertificateRevoked()
    {
        var (tee, roots) = Create(new EmulatedPlatform { RevokePckCertificate = true });

        var appraisal = Verify(tee, roots, Quote(tee), AllowEmulated);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.CertificateRevoked));
            Assert.That(appraisal.FailedItem, Does.Contain(EmulatedTee.PckCertificateName));
        });
    }

    [Test]
    public void Verify_OldPceSvn_OutOfDateWithAdvisoriesRejectedByStrictPolicy()
    {
        var (tee, roots) = Create(new EmulatedPlatform { PceSvn = 6 });

        var appraisal = Verify(tee, roots, Quote(tee), AllowEmulated);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.TcbStatus, Is.EqualTo(TcbStatus.OutOfDate));
            Assert.That(appraisal.AdvisoryIds, Is.EqualTo(new[] { "INTEL-SA-00106", "INTEL-SA-00115", "INTEL-SA-00837" }));
            Assert.That(appraisal.Failures.Select(f => f.Check), Is.EqualTo(new[] { VerificationCheck.TcbStatusPolicy, VerificationCheck.AdvisoryPolicy }));
        });
    }

    [Test]
    public void Verify_OldPceSvnWithLenientPolicy_Valid()
    {
        var (tee, roots) = Create(new EmulatedPlatform { PceSvn = 6 });
        var policy = AllowEmulated with
        {
            MinimumTcbStatus = TcbStatus.OutOfDate,
            AllowedAdvisoryIds = ["INTEL-SA-00106", "INTEL-SA-00115", "intel-sa-00837"],
        };

        Assert.That(Verify(tee, roots, Quote(tee), policy).Valid, Is.True);
    }

    [Test]
    public void Verify_PceSvnBelowEveryLevel_TcbLevel()
    {
        var (tee, roots) = Create(new EmulatedPlatform { PceSvn = 4 });

        var appraisal = Verify(tee, roots, Quote(tee), AllowEmulated);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TcbLevel));
            Assert.That(appraisal.TcbStatus, Is.Null);
        });
    }

    [Test]
    public void Verify_OldTdxModuleSvn_ModuleOutOfDateConverges()
    {
        var (tee, roots) = Create(new EmulatedPlatform { TeeTcbSvn = Convert.FromHexString("03010300000000000000000000000000") });

        var appraisal = Verify(tee, roots, Quote(tee), AllowEmulated);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.PlatformTcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(appraisal.TdxModuleTcbStatus, Is.EqualTo(TcbStatus.OutOfDate));
            Assert.That(appraisal.TcbStatus, Is.EqualTo(TcbStatus.OutOfDate));
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TcbStatusPolicy));
        });
    }

    [Test]
    public void Verify_TdxModuleSvnBelowEveryLevel_TdxModuleTcb()
    {
        var (tee, roots) = Create(new EmulatedPlatform { TeeTcbSvn = Convert.FromHexString("01010300000000000000000000000000") });

        Assert.That(Verify(tee, roots, Quote(tee), AllowEmulated).FailedCheck, Is.EqualTo(VerificationCheck.TdxModuleTcb));
    }

    [Test]
    public void Verify_UnknownTdxModuleVersion_TdxModuleIdentity()
    {
        var (tee, roots) = Create(new EmulatedPlatform { TeeTcbSvn = Convert.FromHexString("06020300000000000000000000000000") });

        var appraisal = Verify(tee, roots, Quote(tee), AllowEmulated);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TdxModuleIdentity));
            Assert.That(appraisal.Reason, Does.Contain("TDX_02"));
        });
    }

    [Test]
    public void Verify_CollateralForAnotherFmspc_Fmspc()
    {
        var (tee, roots) = Create();
        var other = EmulatedTee.FromSeed(Seed, Issued, new EmulatedPlatform { Fmspc = Convert.FromHexString("00906ED50000") });

        var appraisal = Verify(tee, roots, Quote(tee), AllowEmulated, other.Collateral.ToQuoteCollateral());

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.Fmspc), appraisal.Reason);
    }

    [Test]
    public void Verify_CollateralForAnotherPceId_PceId()
    {
        var (tee, roots) = Create();
        var other = EmulatedTee.FromSeed(Seed, Issued, new EmulatedPlatform { PceId = [0x01, 0x00] });

        var appraisal = Verify(tee, roots, Quote(tee), AllowEmulated, other.Collateral.ToQuoteCollateral());

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.PceId), appraisal.Reason);
    }

    [Test]
    public void Verify_QuoteFromAnotherSeed_TrustedRootOrChainRejected()
    {
        var (tee, roots) = Create();
        var other = EmulatedTee.FromSeed([.. Seed.Reverse()], Issued);

        var appraisal = Verify(tee, roots, Quote(other), AllowEmulated);

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TrustedRoot), appraisal.Reason);
    }
}
