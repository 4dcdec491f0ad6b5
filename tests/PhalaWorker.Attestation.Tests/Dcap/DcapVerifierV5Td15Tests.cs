using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Tests.Dcap;

/// <summary>
/// A real TDX quote v5 with a TD report 1.5 body (body type 3, 648 bytes) and its Intel collateral
/// (tests/testdata/attestation/README.md, "quote v5 / TD report 1.5"). Parsing, re-writing and every DCAP signature check
/// pass; the platform's TCB is below every level of its TCB info, which dcap-qvl reports the same way.
/// </summary>
public sealed class DcapVerifierV5Td15Tests
{
    private static readonly DateTimeOffset InsideWindow = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static byte[] Quote => AttestationTestData.Bytes("tdx_quote_v5_td15.bin");

    private static QuoteCollateral Collateral => QuoteCollateral.FromJson(AttestationTestData.Text("collateral_v5_td15.json"));

    [Test]
    public void Parse_RealV5Td15_ReadsIntelLayout()
    {
        var quote = QuoteParser.Parse(Quote);

        Assert.Multiple(() =>
        {
            Assert.That(quote.Version, Is.EqualTo(5));
            Assert.That(quote.BodyType, Is.EqualTo(TdxQuote.BodyTypeTdReport15));
            Assert.That(TdxQuote.BodyTypeTdReport15, Is.EqualTo(3), "Intel: 1 SGX enclave, 2 TD report 1.0, 3 TD report 1.5");
            Assert.That(quote.Body.IsV15, Is.True);
            Assert.That(quote.Body.Size, Is.EqualTo(648));
            Assert.That(Convert.ToHexStringLower(quote.Body.TeeTcbSvn), Is.EqualTo("07010300000000000000000000000000"));
            Assert.That(Convert.ToHexStringLower(quote.Body.TeeTcbSvn2!), Is.EqualTo("0d010300000000000000000000000000"));
            Assert.That(quote.Body.MrServiceTd, Is.EqualTo(new byte[48]));
            Assert.That(Convert.ToHexStringLower(quote.Body.MrTd),
                Is.EqualTo("273828c46252fcbdd8ad2dd907130222b03466d52a2911d70c1a5950895d6bd1ae451d382d5a9b1b4c0ed0e5ae9a3dbd"));
            Assert.That(quote.SignedLength, Is.EqualTo(48 + 6 + 648));
        });
    }

    [Test]
    public void Write_RealV5Td15_RoundTripsByteExact()
    {
        var bytes = Quote;

        Assert.That(QuoteWriter.Write(QuoteParser.Parse(bytes)), Is.EqualTo(bytes));
    }

    [Test]
    public void Verify_RealV5Td15_SignaturesPassAndTcbBelowEveryLevel()
    {
        var appraisal = DcapVerifier.Verify(Quote, Collateral, InsideWindow, AttestationPolicy.Strict, TrustedRoots.Intel);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.QuoteVersion, Is.EqualTo(5));
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TcbLevel), appraisal.Reason);
            Assert.That(appraisal.Reason, Does.Contain("no TCB level matches"));
            // Every check before the TCB match passed: the PCK chain, CRLs, collateral signatures, the QE report and the
            // quote signature over header ‖ body type ‖ size ‖ 648-byte body.
            Assert.That(appraisal.Failures.Select(f => f.Check), Is.EqualTo(new[] { VerificationCheck.TcbLevel }));
            Assert.That(appraisal.Measurements!.MrServiceTd, Is.EqualTo(new string('0', 96)));
            Assert.That(appraisal.Measurements.TeeTcbSvn2, Is.EqualTo("0d010300000000000000000000000000"));
        });
    }

    [Test]
    public void Verify_RealV5Td15_OneBodyByteChanged_FailsAtQuoteSignature()
    {
        var quote = Quote;
        quote[54 + 520] ^= 0x01; // report_data[0] inside the 1.5 body

        var appraisal = DcapVerifier.Verify(quote, Collateral, InsideWindow, AttestationPolicy.Strict, TrustedRoots.Intel);

        Assert.That(appraisal.Failures.Select(f => f.Check), Does.Contain(VerificationCheck.QuoteSignature), appraisal.Reason);
    }
}
