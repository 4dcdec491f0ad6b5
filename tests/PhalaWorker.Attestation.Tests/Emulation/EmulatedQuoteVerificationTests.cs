using System.Security.Cryptography;
using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Binding;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Providers;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Tests.Emulation;

/// <summary>The emulated TEE's quotes and collateral go through the exact DCAP code path Intel's do.</summary>
public sealed class EmulatedQuoteVerificationTests
{
    private static readonly AttestationPolicy AllowEmulated = AttestationPolicy.Strict with { AllowEmulated = true };
    private static EmulatedTee Tee => EmulatedTeeTests.Tee;
    private static DateTimeOffset At => EmulatedTeeTests.IssuedAt.AddDays(1);
    // One instance: DcapVerifier caches prepared chains by root content but compares roots by reference (reported to att-verify),
    // so every TEE from EmulatedTeeTests.Seed (same root) shares this instance.
    private static readonly Lazy<TrustedRoots> SharedRoots = new(() => TrustedRoots.Intel.WithEmulated(Tee.EmulatedRootCertificateDer));

    private static TrustedRoots Roots => SharedRoots.Value;
    private static QuoteCollateral Collateral => Tee.Collateral.ToQuoteCollateral();

    [Test]
    public void Verify_AllowEmulated_UpToDateWithMeasurements()
    {
        var measurements = EmulatedTdMeasurements.Default.WithRtmr(3, SHA384.HashData("rtmr3"u8));
        var quote = Tee.CreateQuote(EmulatedTeeTests.ReportData, measurements);

        var appraisal = DcapVerifier.Verify(quote, Collateral, At, AllowEmulated, Roots);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(appraisal.TcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(appraisal.AdvisoryIds, Is.Empty);
            Assert.That(appraisal.Emulated, Is.True);
            Assert.That(appraisal.Fmspc, Is.EqualTo("B0C06F000000").IgnoreCase);
            Assert.That(appraisal.Quote!.Body.ReportData, Is.EqualTo(EmulatedTeeTests.ReportData));
            Assert.That(appraisal.Quote.Body.Rtmr3, Is.EqualTo(measurements.Rtmrs[3]));
        });
    }

    [Test]
    public void Verify_StrictPolicy_RejectedAtEmulatedRoot()
    {
        var appraisal = DcapVerifier.Verify(Tee.CreateQuote(EmulatedTeeTests.ReportData), Collateral, At, AttestationPolicy.Strict, Roots);

        Assert.That(appraisal.Valid, Is.False);
        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.EmulatedRoot));
        Assert.That(appraisal.Emulated, Is.True);
    }

    [Test]
    public void Verify_IntelRootsOnly_Rejected()
    {
        var appraisal = DcapVerifier.Verify(Tee.CreateQuote(EmulatedTeeTests.ReportData), Collateral, At, AllowEmulated, TrustedRoots.Intel);

        Assert.That(appraisal.Valid, Is.False);
        Assert.That(appraisal.Reason, Is.Not.Null.And.Not.Empty);
    }

    [Test]
    public void Verify_OtherEmulatedTeeRoot_Rejected()
    {
        var other = EmulatedTee.FromSeed("a different emulated platform seed"u8, EmulatedTeeTests.IssuedAt);
        var roots = TrustedRoots.Intel.WithEmulated(other.EmulatedRootCertificateDer);

        var appraisal = DcapVerifier.Verify(Tee.CreateQuote(EmulatedTeeTests.ReportData), Collateral, At, AllowEmulated, roots);

        Assert.That(appraisal.Valid, Is.False);
    }

    // One byte flipped in each signed region: header, TD report body (MRTD, RTMR3, report_data), quote signature,
    // attestation key, QE report, QE report signature, QE auth data, PEM chain.
    [TestCase(10, TestName = "Verify_TamperedHeader_Rejected")]
    [TestCase(48 + 136 + 1, TestName = "Verify_TamperedMrTd_Rejected")]
    [TestCase(48 + 472 + 5, TestName = "Verify_TamperedRtmr3_Rejected")]
    [TestCase(48 + 520 + 7, TestName = "Verify_TamperedReportData_Rejected")]
    [TestCase(636 + 3, TestName = "Verify_TamperedQuoteSignature_Rejected")]
    [TestCase(636 + 64 + 3, TestName = "Verify_TamperedAttestationKey_Rejected")]
    [TestCase(636 + 128 + 6 + 130, TestName = "Verify_TamperedQeReportMrSigner_Rejected")]
    [TestCase(636 + 128 + 6 + 384 + 10, TestName = "Verify_TamperedQeReportSignature_Rejected")]
    [TestCase(636 + 128 + 6 + 384 + 64 + 2 + 4, TestName = "Verify_TamperedQeAuthData_Rejected")]
    [TestCase(636 + 128 + 6 + 384 + 64 + 2 + 32 + 6 + 200, TestName = "Verify_TamperedPckChainPem_Rejected")]
    public void Verify_TamperedByte_Rejected(int offset)
    {
        var quote = Tee.CreateQuote(EmulatedTeeTests.ReportData);
        quote[offset] ^= 0x01;

        var appraisal = DcapVerifier.Verify(quote, Collateral, At, AllowEmulated, Roots);

        Assert.That(appraisal.Valid, Is.False, $"byte {offset} flipped but accepted");
        Assert.That(appraisal.Reason, Is.Not.Null.And.Not.Empty);
        Assert.That(appraisal.FailedCheck, Is.Not.Null);
    }

    [Test]
    public void Verify_TamperedTcbInfo_Rejected()
    {
        var collateral = Collateral with { TcbInfo = Collateral.TcbInfo.Replace("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":18", StringComparison.Ordinal) };

        var appraisal = DcapVerifier.Verify(Tee.CreateQuote(EmulatedTeeTests.ReportData), collateral, At, AllowEmulated, Roots);

        Assert.That(appraisal.Valid, Is.False);
        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TcbInfoSignature));
    }

    [Test]
    public void Verify_AfterCollateralNextUpdate_Rejected()
    {
        var appraisal = DcapVerifier.Verify(Tee.CreateQuote(EmulatedTeeTests.ReportData), Collateral, Tee.Collateral.NextUpdate.AddSeconds(1), AllowEmulated, Roots);

        Assert.That(appraisal.Valid, Is.False);
    }

    [Test]
    public void Verify_RevokedPckCertificate_Rejected()
    {
        var tee = EmulatedTee.FromSeed(EmulatedTeeTests.Seed, EmulatedTeeTests.IssuedAt, new EmulatedPlatform { RevokePckCertificate = true });

        var appraisal = DcapVerifier.Verify(tee.CreateQuote(EmulatedTeeTests.ReportData), tee.Collateral.ToQuoteCollateral(), At, AllowEmulated, Roots);

        Assert.That(tee.EmulatedRootCertificateDer, Is.EqualTo(Tee.EmulatedRootCertificateDer));
        Assert.That(appraisal.Valid, Is.False);
        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.CertificateRevoked));
    }

    [Test]
    public void Verify_OutOfDatePlatformPceSvn_OutOfDateWithAdvisories()
    {
        var tee = EmulatedTee.FromSeed(EmulatedTeeTests.Seed, EmulatedTeeTests.IssuedAt, new EmulatedPlatform { PceSvn = 6 });
        var policy = AllowEmulated with { MinimumTcbStatus = TcbStatus.OutOfDate, AllowedAdvisoryIds = ["INTEL-SA-00106", "INTEL-SA-00115", "INTEL-SA-00837"] };

        var appraisal = DcapVerifier.Verify(tee.CreateQuote(EmulatedTeeTests.ReportData), tee.Collateral.ToQuoteCollateral(), At, policy, Roots);

        Assert.That(appraisal.TcbStatus, Is.EqualTo(TcbStatus.OutOfDate), appraisal.Reason);
        Assert.That(appraisal.AdvisoryIds, Does.Contain("INTEL-SA-00837"));
        Assert.That(DcapVerifier.Verify(tee.CreateQuote(EmulatedTeeTests.ReportData), tee.Collateral.ToQuoteCollateral(), At, AllowEmulated, Roots).Valid, Is.False);
    }

    [Test]
    public void Verify_DebugTd_Rejected()
    {
        var measurements = EmulatedTdMeasurements.Default with { TdAttributes = [0x01, 0, 0, 0x10, 0, 0, 0, 0] };

        var appraisal = DcapVerifier.Verify(Tee.CreateQuote(EmulatedTeeTests.ReportData, measurements), Collateral, At, AllowEmulated, Roots);

        Assert.That(appraisal.Valid, Is.False);
        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.DebugTd));
    }

    [Test]
    public void Verify_RandomTeeAtCurrentTime_Valid()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var tee = EmulatedTee.CreateRandom(time);

        var appraisal = DcapVerifier.Verify(tee.CreateQuote(new byte[64]), tee.Collateral.ToQuoteCollateral(), time.GetUtcNow(), AllowEmulated,
            TrustedRoots.Intel.WithEmulated(tee.EmulatedRootCertificateDer));

        Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
    }

    [Test]
    public async Task AgentFlow_EmulatedProviderWithBindingAndEventLog_VerifiesEndToEndAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var address = Enumerable.Range(1, 20).Select(i => (byte)i).ToArray();
        var hpkeKey = Enumerable.Range(0x20, 32).Select(i => (byte)i).ToArray();
        var log = new RtmrEventLog();
        log.Record(RtmrEvent.AgentVersionType, "0.1.0");
        log.Record(RtmrEvent.AgentDigestType, SHA256.HashData("config"u8));
        var provider = new EmulatedQuoteProvider(Tee, eventLog: log);

        var quote = await provider.GetQuoteAsync(ReportDataBinding.Compute(address, hpkeKey, default), cts.Token);
        var appraisal = DcapVerifier.Verify(quote, Collateral, At, AllowEmulated, Roots);

        Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
        var parsed = QuoteParser.Parse(quote);
        Assert.That(ReportDataBinding.Matches(parsed.Body.ReportData, address, hpkeKey, default), Is.True);
        Assert.That(RtmrEventLog.Verify(log.Events, parsed.Body.Rtmr3).Matches, Is.True);
    }
}
