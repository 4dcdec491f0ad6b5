using System.Globalization;
using System.Text;
using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Tests.Dcap;

public sealed class DcapVerifierTests
{
    private static QuoteCollateral Collateral => QuoteCollateral.FromJson(AttestationTestData.CollateralJson);

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static QuoteAppraisal Verify(byte[] quote, QuoteCollateral? collateral = null, DateTimeOffset? at = null, AttestationPolicy? policy = null) =>
        DcapVerifier.Verify(quote, collateral ?? Collateral, at ?? AttestationTestData.GoodTime, policy ?? AttestationPolicy.Strict, TrustedRoots.Intel);

    [Test]
    public void Verify_RealQuoteAtGoodTime_UpToDateWithoutAdvisories()
    {
        var appraisal = Verify(AttestationTestData.Quote);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Reason, Is.Null);
            Assert.That(appraisal.Valid, Is.True);
            Assert.That(appraisal.Failures, Is.Empty);
            Assert.That(appraisal.TcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(appraisal.AdvisoryIds, Is.Empty);
            Assert.That(appraisal.Fmspc, Is.EqualTo("B0C06F000000"));
            Assert.That(appraisal.Emulated, Is.False);
            Assert.That(appraisal.PlatformTcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(appraisal.QeTcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(appraisal.TdxModuleTcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(appraisal.QuoteVersion, Is.EqualTo(4));
            Assert.That(appraisal.CollateralExpiresAt, Is.EqualTo(At("2025-07-19T10:00:35Z")));
        });
    }

    [Test]
    public void Verify_RealQuote_ReportsReadmeMeasuredValues()
    {
        var m = Verify(AttestationTestData.Quote).Measurements!;

        Assert.Multiple(() =>
        {
            Assert.That(m.MrTd, Is.EqualTo("91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"));
            Assert.That(m.Rtmr0, Is.EqualTo("44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c48aca29b220b80b6a540cf994b9bc9c0"));
            Assert.That(m.Rtmr1, Is.EqualTo("0084452c01668329d4bc06acdf58a7205c26743304509973949e5619bf81a6a7aea8c323c173019b3093d54e579e9378"));
            Assert.That(m.Rtmr2, Is.EqualTo("d833feef2cd945148aa38ead2c53e9b7f138190aaaebfc551dccd829fc207aa3ba80b70870d7330733642e01d48c3132"));
            Assert.That(m.Rtmr3, Is.EqualTo(new string('0', 96)));
            Assert.That(m.MrConfigId, Is.EqualTo(new string('0', 96)));
            Assert.That(m.MrOwner, Is.EqualTo(new string('0', 96)));
            Assert.That(m.MrOwnerConfig, Is.EqualTo(new string('0', 96)));
            Assert.That(m.MrSeam, Is.EqualTo("5b38e33a6487958b72c3c12a938eaa5e3fd4510c51aeeab58c7d5ecee41d7c436489d6c8e4f92f160b7cad34207b00c1"));
            Assert.That(m.MrSignerSeam, Is.EqualTo(new string('0', 96)));
            Assert.That(m.SeamAttributes, Is.EqualTo("0000000000000000"));
            Assert.That(m.TeeTcbSvn, Is.EqualTo("06010300000000000000000000000000"));
            Assert.That(m.TdAttributes, Is.EqualTo("0000001000000000"));
            Assert.That(m.Xfam, Is.EqualTo("e702060000000000"));
            Assert.That(m.ReportData, Is.EqualTo("9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20"));
            Assert.That(m.MrServiceTd, Is.Null);
        });
    }

    [TestCase("2025-06-19T10:32:27Z")]
    [TestCase("2025-07-19T10:00:34Z")]
    [TestCase("2025-07-19T10:00:35Z")]
    public void Verify_InsideStrictWindow_Valid(string at)
    {
        var appraisal = Verify(AttestationTestData.Quote, at: At(at));

        Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
    }

    [TestCase("2025-06-19T10:16:02Z", VerificationCheck.TcbInfoValidity, "tcb_info")]
    [TestCase("2025-07-19T10:16:04Z", VerificationCheck.TcbInfoValidity, "tcb_info")]
    [TestCase("2025-06-19T10:32:26Z", VerificationCheck.QeIdentityValidity, "qe_identity")]
    [TestCase("2025-07-19T10:32:28Z", VerificationCheck.QeIdentityValidity, "qe_identity")]
    [TestCase("2025-06-19T10:00:34Z", VerificationCheck.PckCrl, "pck_crl")]
    [TestCase("2025-07-19T10:00:36Z", VerificationCheck.PckCrl, "pck_crl")]
    [TestCase("2025-03-20T11:21:56Z", VerificationCheck.RootCaCrl, "root_ca_crl")]
    [TestCase("2026-04-03T11:21:58Z", VerificationCheck.RootCaCrl, "root_ca_crl")]
    public void Verify_JustOutsideCollateralWindow_RejectedNamingIt(string at, VerificationCheck check, string item)
    {
        var appraisal = Verify(AttestationTestData.Quote, at: At(at));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.Failures, Has.Some.Matches<AppraisalFailure>(f => f.Check == check && f.Item == item));
            Assert.That(appraisal.Reason, Is.Not.Null.And.Not.Empty);
        });
    }

    [Test]
    public void Verify_OneSecondAfterPckCrlNextUpdate_OnlyPckCrlFailsAndTcbStatusStillReported()
    {
        var appraisal = Verify(AttestationTestData.Quote, at: At("2025-07-19T10:00:36Z"));

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.PckCrl));
            Assert.That(appraisal.Failures, Has.Count.EqualTo(1));
            Assert.That(appraisal.Reason, Does.Contain("PCK CRL expired"));
            Assert.That(appraisal.TcbStatus, Is.EqualTo(TcbStatus.UpToDate));
        });
    }

    [Test]
    public void Verify_BeforePckLeafNotBefore_CertificateValidityNamesLeaf()
    {
        var appraisal = Verify(AttestationTestData.Quote, at: At("2025-02-06T23:25:50Z"));

        Assert.That(appraisal.Failures, Has.Some.Matches<AppraisalFailure>(f =>
            f.Check == VerificationCheck.CertificateValidity && f.Item.Contains("Intel SGX PCK Certificate", StringComparison.Ordinal)));
    }

    // Offsets in the real v4 quote: header 0..48, body 48..632, sig len 632, signature 636, attestation key 700,
    // cert data header 764, QE report 770, QE report signature 1154, QE auth size 1218, QE auth data 1220, inner cert 1252.
    [TestCase(28, VerificationCheck.QuoteSignature, TestName = "Verify_ByteChangedInHeaderUserData_QuoteSignature")]
    [TestCase(8, VerificationCheck.QuoteSignature, TestName = "Verify_ByteChangedInHeaderQeSvn_QuoteSignature")]
    [TestCase(12, VerificationCheck.QuoteHeader, TestName = "Verify_ByteChangedInHeaderVendorId_QuoteHeader")]
    [TestCase(48, VerificationCheck.QuoteSignature, TestName = "Verify_ByteChangedInBodyTeeTcbSvn_QuoteSignature")]
    [TestCase(48 + 136 + 10, VerificationCheck.QuoteSignature, TestName = "Verify_ByteChangedInBodyMrTd_QuoteSignature")]
    [TestCase(631, VerificationCheck.QuoteSignature, TestName = "Verify_ByteChangedInBodyReportData_QuoteSignature")]
    [TestCase(636, VerificationCheck.QuoteSignature, TestName = "Verify_ByteChangedInQuoteSignatureR_QuoteSignature")]
    [TestCase(699, VerificationCheck.QuoteSignature, TestName = "Verify_ByteChangedInQuoteSignatureS_QuoteSignature")]
    [TestCase(700, VerificationCheck.QeReportDataBinding, TestName = "Verify_ByteChangedInAttestationKey_QeReportDataBinding")]
    [TestCase(763, VerificationCheck.QeReportDataBinding, TestName = "Verify_ByteChangedInAttestationKeyY_QeReportDataBinding")]
    [TestCase(770, VerificationCheck.QeReportSignature, TestName = "Verify_ByteChangedInQeReportCpuSvn_QeReportSignature")]
    [TestCase(770 + 128, VerificationCheck.QeReportSignature, TestName = "Verify_ByteChangedInQeReportMrSigner_QeReportSignature")]
    [TestCase(770 + 320, VerificationCheck.QeReportSignature, TestName = "Verify_ByteChangedInQeReportData_QeReportSignature")]
    [TestCase(1154, VerificationCheck.QeReportSignature, TestName = "Verify_ByteChangedInQeReportSignature_QeReportSignature")]
    [TestCase(1217, VerificationCheck.QeReportSignature, TestName = "Verify_ByteChangedInQeReportSignatureEnd_QeReportSignature")]
    [TestCase(1220, VerificationCheck.QeReportDataBinding, TestName = "Verify_ByteChangedInQeAuthData_QeReportDataBinding")]
    [TestCase(1251, VerificationCheck.QeReportDataBinding, TestName = "Verify_ByteChangedInQeAuthDataEnd_QeReportDataBinding")]
    public void Verify_OneByteChanged_RejectedNamingCheck(int offset, VerificationCheck check)
    {
        var quote = AttestationTestData.Quote;
        quote[offset] ^= 0x01;

        var appraisal = Verify(quote);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(check), appraisal.Reason);
            Assert.That(appraisal.TcbStatus, Is.Null);
        });
    }

    [Test]
    public void Verify_TrailingPaddingChanged_StillValid()
    {
        // The padding after the signature data is not part of the quote (length fields bound it).
        var quote = AttestationTestData.Quote;
        quote[^1] = 0xFF;

        Assert.That(Verify(quote).Valid, Is.True);
    }

    [TestCase(0, "Intel SGX PCK Certificate", VerificationCheck.PckCertificateChain)]
    [TestCase(1, "Intel SGX PCK Platform CA", VerificationCheck.PckCertificateChain)]
    [TestCase(2, "Intel SGX Root CA", VerificationCheck.TrustedRoot)]
    public void Verify_ByteChangedInQuoteCertificateSignature_RejectedNamingCertificate(int index, string name, VerificationCheck check)
    {
        var quote = WithQuoteCertificate(index, der => der[^1] ^= 0x01);

        var appraisal = Verify(quote);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(check), appraisal.Reason);
            Assert.That(appraisal.FailedItem, Does.Contain(name));
        });
    }

    [TestCase(0, VerificationCheck.PckCertificateChain)]
    [TestCase(1, VerificationCheck.PckCertificateChain)]
    [TestCase(2, VerificationCheck.PckCertificateChain)]
    public void Verify_ByteChangedInQuoteCertificateSubject_RejectedByChain(int index, VerificationCheck check)
    {
        // Change one character of the subject CN inside the TBS ("Intel" → "Intem" in the last occurrence).
        var quote = WithQuoteCertificate(index, der =>
        {
            var at = der.AsSpan().LastIndexOf("Intel"u8);
            der[at + 4] = (byte)'m';
        });

        var appraisal = Verify(quote);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.AnyOf(check, VerificationCheck.TrustedRoot), appraisal.Reason);
        });
    }

    [Test]
    public void Verify_ByteChangedInPckLeafPublicKey_Rejected()
    {
        var quote = WithQuoteCertificate(0, der =>
        {
            // The SubjectPublicKeyInfo of a P-256 key starts with 30 59 30 13 06 07 2a 86 48 ce 3d 02 01.
            var spki = der.AsSpan().IndexOf(new byte[] { 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 });
            der[spki + 40] ^= 0x01;
        });

        var appraisal = Verify(quote);

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.PckCertificateChain), appraisal.Reason);
    }

    [Test]
    public void Verify_TcbInfoChanged_TcbInfoSignature()
    {
        var collateral = Collateral with { TcbInfo = Collateral.TcbInfo.Replace("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":18", StringComparison.Ordinal) };

        var appraisal = Verify(AttestationTestData.Quote, collateral);

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TcbInfoSignature), appraisal.Reason);
    }

    [Test]
    public void Verify_TcbInfoSignatureChanged_TcbInfoSignature()
    {
        var signature = Collateral.TcbInfoSignature.ToArray();
        signature[5] ^= 0x01;

        var appraisal = Verify(AttestationTestData.Quote, Collateral with { TcbInfoSignature = signature });

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TcbInfoSignature), appraisal.Reason);
    }

    [Test]
    public void Verify_QeIdentityChanged_QeIdentitySignature()
    {
        var collateral = Collateral with { QeIdentity = Collateral.QeIdentity.Replace("\"isvprodid\":2", "\"isvprodid\":3", StringComparison.Ordinal) };

        var appraisal = Verify(AttestationTestData.Quote, collateral);

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.QeIdentitySignature), appraisal.Reason);
    }

    [Test]
    public void Verify_ByteChangedInTcbSigningCertificate_TcbInfoIssuerChain()
    {
        var chain = ChangeCertificateInPem(Collateral.TcbInfoIssuerChain, 0, der => der[^1] ^= 0x01);

        var appraisal = Verify(AttestationTestData.Quote, Collateral with { TcbInfoIssuerChain = chain });

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TcbInfoIssuerChain), appraisal.Reason);
            Assert.That(appraisal.FailedItem, Does.Contain("Intel SGX TCB Signing"));
        });
    }

    [Test]
    public void Verify_ByteChangedInQeIdentitySigningCertificate_QeIdentityIssuerChain()
    {
        var chain = ChangeCertificateInPem(Collateral.QeIdentityIssuerChain, 0, der => der[^1] ^= 0x01);

        var appraisal = Verify(AttestationTestData.Quote, Collateral with { QeIdentityIssuerChain = chain });

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.QeIdentityIssuerChain), appraisal.Reason);
    }

    [Test]
    public void Verify_ByteChangedInPckCrlIssuerCertificate_PckCrl()
    {
        var chain = ChangeCertificateInPem(Collateral.PckCrlIssuerChain, 0, der => der[^1] ^= 0x01);

        var appraisal = Verify(AttestationTestData.Quote, Collateral with { PckCrlIssuerChain = chain });

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.PckCrl), appraisal.Reason);
    }

    [Test]
    public void Verify_ByteChangedInCollateralRootCertificate_TrustedRoot()
    {
        var chain = ChangeCertificateInPem(Collateral.TcbInfoIssuerChain, 1, der => der[^1] ^= 0x01);

        var appraisal = Verify(AttestationTestData.Quote, Collateral with { TcbInfoIssuerChain = chain });

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.TrustedRoot), appraisal.Reason);
    }

    [Test]
    public void Verify_ByteChangedInPckCrlSignature_PckCrl()
    {
        var crl = Collateral.PckCrl.ToArray();
        crl[^1] ^= 0x01;

        var appraisal = Verify(AttestationTestData.Quote, Collateral with { PckCrl = crl });

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.PckCrl), appraisal.Reason);
    }

    [Test]
    public void Verify_ByteChangedInRootCaCrlSignature_RootCaCrl()
    {
        var crl = Collateral.RootCaCrl.ToArray();
        crl[^1] ^= 0x01;

        var appraisal = Verify(AttestationTestData.Quote, Collateral with { RootCaCrl = crl });

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.RootCaCrl), appraisal.Reason);
    }

    [Test]
    public void Verify_PckCrlReplacedByRootCrl_PckCrlIssuerMismatch()
    {
        var appraisal = Verify(AttestationTestData.Quote, Collateral with { PckCrl = Collateral.RootCaCrl });

        Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.PckCrl), appraisal.Reason);
    }

    [Test]
    public void Verify_GarbageCrl_CollateralFormat()
    {
        var appraisal = Verify(AttestationTestData.Quote, Collateral with { PckCrl = [1, 2, 3] });

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.CollateralFormat));
            Assert.That(appraisal.FailedItem, Is.EqualTo("pck_crl"));
        });
    }

    [Test]
    public void Verify_TruncatedQuote_QuoteFormatNamingField()
    {
        var appraisal = Verify(AttestationTestData.Quote[..600]);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.QuoteFormat));
            Assert.That(appraisal.FailedItem, Is.EqualTo("body.reportData"));
            Assert.That(appraisal.Measurements, Is.Null);
        });
    }

    [Test]
    public void Verify_MrTdNotAllowed_MeasurementPolicyWithTcbStatus()
    {
        var policy = AttestationPolicy.Strict with { AllowedMrTd = [new string('a', 96)] };

        var appraisal = Verify(AttestationTestData.Quote, policy: policy);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.False);
            Assert.That(appraisal.FailedCheck, Is.EqualTo(VerificationCheck.MeasurementPolicy));
            Assert.That(appraisal.FailedItem, Is.EqualTo("body.mrTd"));
            Assert.That(appraisal.TcbStatus, Is.EqualTo(TcbStatus.UpToDate));
        });
    }

    [Test]
    public void Verify_AllMeasurementsAllowed_Valid()
    {
        var m = Verify(AttestationTestData.Quote).Measurements!;
        var policy = AttestationPolicy.Strict with
        {
            AllowedMrTd = ["0x" + m.MrTd.ToUpperInvariant()],
            AllowedRtmr0 = [m.Rtmr0],
            AllowedRtmr1 = [new string('1', 96), m.Rtmr1],
            AllowedRtmr2 = [m.Rtmr2],
            AllowedRtmr3 = [m.Rtmr3],
            AllowedMrConfigId = [m.MrConfigId],
        };

        Assert.That(Verify(AttestationTestData.Quote, policy: policy).Valid, Is.True);
    }

    [Test]
    public void Verify_MaxCollateralAgeExceeded_CollateralAge()
    {
        var policy = AttestationPolicy.Strict with { MaxCollateralAge = TimeSpan.FromDays(1) };

        var appraisal = Verify(AttestationTestData.Quote, policy: policy);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Failures, Is.Not.Empty);
            Assert.That(appraisal.Failures.Select(f => f.Check), Is.All.EqualTo(VerificationCheck.CollateralAge));
        });
    }

    [Test]
    public void Verify_EmulatedRootAllowedButQuoteFromIntel_StillValid()
    {
        var tee = PhalaWorker.Attestation.Emulation.EmulatedTee.FromSeed(new byte[16], AttestationTestData.GoodTime);
        var roots = TrustedRoots.Intel.WithEmulated(tee.EmulatedRootCertificateDer);

        var appraisal = DcapVerifier.Verify(AttestationTestData.Quote, Collateral, AttestationTestData.GoodTime, AttestationPolicy.Strict, roots);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(appraisal.Emulated, Is.False);
        });
    }

    [Test]
    public void Verify_Repeated_SameVerdict()
    {
        var collateral = Collateral;
        var first = DcapVerifier.Verify(AttestationTestData.Quote, collateral, AttestationTestData.GoodTime, AttestationPolicy.Strict);
        var second = DcapVerifier.Verify(AttestationTestData.Quote, collateral, At("2025-07-19T10:00:36Z"), AttestationPolicy.Strict);
        var third = DcapVerifier.Verify(AttestationTestData.Quote, collateral, AttestationTestData.GoodTime, AttestationPolicy.Strict);

        Assert.Multiple(() =>
        {
            Assert.That(first.Valid, Is.True);
            Assert.That(second.Valid, Is.False);
            Assert.That(third.Valid, Is.True);
        });
    }

    [Test]
    public void ToJson_Rejected_HasCamelCaseFields()
    {
        var json = Verify(AttestationTestData.Quote, at: At("2025-07-19T10:00:36Z")).ToJson();

        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("valid").GetBoolean(), Is.False);
            Assert.That(root.GetProperty("tcbStatus").GetString(), Is.EqualTo("UpToDate"));
            Assert.That(root.GetProperty("advisoryIds").GetArrayLength(), Is.Zero);
            Assert.That(root.GetProperty("failedCheck").GetString(), Is.EqualTo("PckCrl"));
            Assert.That(root.GetProperty("reason").GetString(), Does.Contain("PCK CRL"));
            Assert.That(root.GetProperty("measurements").GetProperty("mrTd").GetString(), Does.StartWith("91eb2b44"));
            Assert.That(QuoteAppraisal.FromJson(json).FailedCheck, Is.EqualTo(VerificationCheck.PckCrl));
        });
    }

    private static byte[] WithQuoteCertificate(int index, Action<byte[]> change)
    {
        var quote = QuoteParser.Parse(AttestationTestData.Quote);
        var qe = quote.SignatureData.QeReportCertification!;
        var pem = Encoding.ASCII.GetString(((PckCertChainCertificationData)qe.Inner).PemChain);
        var changed = ChangeCertificateInPem(pem, index, change);
        var newQe = qe with { Inner = new PckCertChainCertificationData([.. Encoding.ASCII.GetBytes(changed), 0]) };
        return QuoteWriter.Write(quote with { SignatureData = quote.SignatureData with { CertificationData = newQe } });
    }

    internal static string ChangeCertificateInPem(string pem, int index, Action<byte[]> change)
    {
        var blocks = pem.Split("-----END CERTIFICATE-----", StringSplitOptions.None);
        var builder = new StringBuilder();
        for (var i = 0; i < blocks.Length - 1; i++)
        {
            var body = blocks[i][(blocks[i].IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) + 27)..];
            var der = Convert.FromBase64String(body.Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal));
            if (i == index)
            {
                change(der);
            }

            builder.Append("-----BEGIN CERTIFICATE-----\n").Append(Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n", StringComparison.Ordinal)).Append("\n-----END CERTIFICATE-----\n");
        }

        return builder.ToString();
    }
}
