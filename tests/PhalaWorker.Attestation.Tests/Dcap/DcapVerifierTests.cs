using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Policy;

namespace PhalaWorker.Attestation.Tests.Dcap;

public sealed class DcapVerifierTests
{
    private static QuoteCollateral Collateral => QuoteCollateral.FromJson(AttestationTestData.CollateralJson);

    [Test]
    public void Verify_RealQuoteAtGoodTime_UpToDateWithoutAdvisories()
    {
        var appraisal = DcapVerifier.Verify(AttestationTestData.Quote, Collateral, AttestationTestData.GoodTime, AttestationPolicy.Strict, TrustedRoots.Intel);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Reason, Is.Null);
            Assert.That(appraisal.Valid, Is.True);
            Assert.That(appraisal.TcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(appraisal.AdvisoryIds, Is.Empty);
            Assert.That(appraisal.Fmspc, Is.EqualTo("B0C06F000000"));
            Assert.That(appraisal.Emulated, Is.False);
            Assert.That(appraisal.QeTcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(appraisal.TdxModuleTcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(appraisal.CollateralExpiresAt, Is.EqualTo(DateTimeOffset.Parse("2025-07-19T10:00:35Z", System.Globalization.CultureInfo.InvariantCulture)));
        });
    }
}
