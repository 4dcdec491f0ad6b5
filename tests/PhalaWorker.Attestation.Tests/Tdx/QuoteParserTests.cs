using System.Buffers.Binary;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Tests.Tdx;

public sealed class QuoteParserTests
{
    [Test]
    public void Parse_RealQuote_HasReadmeHeaderAndBody()
    {
        var quote = QuoteParser.Parse(AttestationTestData.Quote);

        Assert.Multiple(() =>
        {
            Assert.That(quote.Header.Version, Is.EqualTo(4));
            Assert.That(quote.Header.AttestationKeyType, Is.EqualTo(2));
            Assert.That(quote.Header.TeeType, Is.EqualTo(0x81u));
            Assert.That(Convert.ToHexStringLower(quote.Header.QeVendorId), Is.EqualTo("939a7233f79c4ca9940a0db3957f0607"));
            Assert.That(Convert.ToHexStringLower(quote.Header.UserData), Is.EqualTo("889b7d6ff9df2405b240a830e73faf3d00000000"));
            Assert.That(Convert.ToHexStringLower(quote.Body.TeeTcbSvn), Is.EqualTo("06010300000000000000000000000000"));
            Assert.That(Convert.ToHexStringLower(quote.Body.MrSeam), Is.EqualTo("5b38e33a6487958b72c3c12a938eaa5e3fd4510c51aeeab58c7d5ecee41d7c436489d6c8e4f92f160b7cad34207b00c1"));
            Assert.That(quote.Body.MrSignerSeam, Is.All.EqualTo(0));
            Assert.That(Convert.ToHexStringLower(quote.Body.TdAttributes), Is.EqualTo("0000001000000000"));
            Assert.That(Convert.ToHexStringLower(quote.Body.Xfam), Is.EqualTo("e702060000000000"));
            Assert.That(Convert.ToHexStringLower(quote.Body.MrTd), Is.EqualTo("91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"));
            Assert.That(Convert.ToHexStringLower(quote.Body.Rtmr0), Is.EqualTo("44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c48aca29b220b80b6a540cf994b9bc9c0"));
            Assert.That(Convert.ToHexStringLower(quote.Body.Rtmr1), Is.EqualTo("0084452c01668329d4bc06acdf58a7205c26743304509973949e5619bf81a6a7aea8c323c173019b3093d54e579e9378"));
            Assert.That(Convert.ToHexStringLower(quote.Body.Rtmr2), Is.EqualTo("d833feef2cd945148aa38ead2c53e9b7f138190aaaebfc551dccd829fc207aa3ba80b70870d7330733642e01d48c3132"));
            Assert.That(quote.Body.Rtmr3, Is.All.EqualTo(0));
            Assert.That(Convert.ToHexStringLower(quote.Body.ReportData), Is.EqualTo("9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20"));
            Assert.That(quote.Body.IsDebug, Is.False);
            Assert.That(quote.Body.IsV15, Is.False);
            Assert.That(quote.SignedLength, Is.EqualTo(632));
            Assert.That(quote.QuoteLength, Is.EqualTo(4936));
            Assert.That(quote.TrailingBytes, Has.Length.EqualTo(70).And.All.EqualTo(0));
        });
    }

    [Test]
    public void Parse_RealQuote_HasQeReportCertificationDataWrappingPemChain()
    {
        var quote = QuoteParser.Parse(AttestationTestData.Quote);

        var qe = quote.SignatureData.QeReportCertification;
        Assert.That(qe, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(qe!.QeReport.IsvProdId, Is.EqualTo(2));
            Assert.That(qe.QeReport.IsvSvn, Is.EqualTo(6));
            Assert.That(qe.QeReport.MiscSelect, Is.EqualTo(0u));
            Assert.That(Convert.ToHexStringLower(qe.QeReport.MrEnclave), Is.EqualTo("e5a3a7b5d830c2953b98534c6c59a3a34fdc34e933f7f5898f0a85cf08846bca"));
            Assert.That(Convert.ToHexString(qe.QeReport.MrSigner), Is.EqualTo("DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5"));
            Assert.That(Convert.ToHexStringLower(qe.QeReport.Attributes), Is.EqualTo("1500000000000000e700000000000000"));
            Assert.That(qe.QeAuthData, Has.Length.EqualTo(32));
            Assert.That(qe.Inner, Is.TypeOf<PckCertChainCertificationData>());
            var pem = System.Text.Encoding.ASCII.GetString(((PckCertChainCertificationData)qe.Inner).PemChain);
            Assert.That(pem.Split("BEGIN CERTIFICATE").Length - 1, Is.EqualTo(3));
        });
    }

    [Test]
    public void Write_ParsedRealQuote_IsByteExact()
    {
        var bytes = AttestationTestData.Quote;

        var written = QuoteWriter.Write(QuoteParser.Parse(bytes));

        Assert.That(written, Is.EqualTo(bytes));
    }

    [Test]
    public void WriteSignedRegion_RealQuote_IsFirst632Bytes()
    {
        var bytes = AttestationTestData.Quote;

        var signed = QuoteWriter.WriteSignedRegion(QuoteParser.Parse(bytes));

        Assert.That(signed, Is.EqualTo(bytes[..632]));
    }

    [Test]
    public void Parse_V5WithBody15_RoundTrips()
    {
        var v4 = QuoteParser.Parse(AttestationTestData.Quote);
        var v5 = v4 with
        {
            Header = v4.Header with { Version = 5 },
            Body = v4.Body with { TeeTcbSvn2 = new byte[16], MrServiceTd = Enumerable.Repeat((byte)7, 48).ToArray() },
            TrailingBytes = [],
        };

        var bytes = QuoteWriter.Write(v5);
        var parsed = QuoteParser.Parse(bytes);

        Assert.Multiple(() =>
        {
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(48)), Is.EqualTo(TdxQuote.BodyTypeTdReport15));
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(50)), Is.EqualTo(648u));
            Assert.That(parsed.Body.IsV15, Is.True);
            Assert.That(parsed.Body.MrServiceTd, Is.EqualTo(v5.Body.MrServiceTd));
            Assert.That(parsed.SignedLength, Is.EqualTo(48 + 6 + 648));
            Assert.That(QuoteWriter.Write(parsed), Is.EqualTo(bytes));
        });
    }

    [Test]
    public void Parse_V5WithBody10_RoundTrips()
    {
        var v4 = QuoteParser.Parse(AttestationTestData.Quote);
        var v5 = v4 with { Header = v4.Header with { Version = 5 } };

        var bytes = QuoteWriter.Write(v5);
        var parsed = QuoteParser.Parse(bytes);

        Assert.Multiple(() =>
        {
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(48)), Is.EqualTo(TdxQuote.BodyTypeTdReport10));
            Assert.That(parsed.Body.IsV15, Is.False);
            Assert.That(parsed.TrailingBytes, Has.Length.EqualTo(70));
            Assert.That(QuoteWriter.Write(parsed), Is.EqualTo(bytes));
        });
    }

    [TestCase(0, "header.version")]
    [TestCase(2, "header.attestationKeyType")]
    [TestCase(47, "header.userData")]
    [TestCase(100, "body.mrSeam")]
    [TestCase(631, "body.reportData")]
    [TestCase(633, "signatureData.length")]
    [TestCase(700, "signatureData.length")]
    public void Parse_Truncated_ThrowsNamingField(int length, string field)
    {
        var bytes = AttestationTestData.Quote[..length];

        var ex = Assert.Throws<QuoteFormatException>(() => QuoteParser.Parse(bytes));

        Assert.That(ex!.Field, Is.EqualTo(field));
    }

    [Test]
    public void Parse_CutInsideSignatureDataWithFixedLength_NamesCertificationField()
    {
        // Shrink the declared signature data length so the certification data overruns it.
        var bytes = AttestationTestData.Quote;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(632), 1000);

        var ex = Assert.Throws<QuoteFormatException>(() => QuoteParser.Parse(bytes));

        Assert.That(ex!.Field, Is.EqualTo("signatureData.certificationData.size"));
    }

    [Test]
    public void Parse_SignatureDataLongerThanContents_ThrowsInconsistent()
    {
        var bytes = AttestationTestData.Quote;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(632), 4301);

        var ex = Assert.Throws<QuoteFormatException>(() => QuoteParser.Parse(bytes));

        Assert.That(ex!.Field, Is.EqualTo("signatureData.length"));
    }

    [Test]
    public void Parse_QeAuthDataSizeTooLarge_NamesField()
    {
        var bytes = AttestationTestData.Quote;
        // sig data at 636: sig 64, key 64, cert type 2, size 4, QE report 384, QE sig 64 -> auth size at 636+128+6+448.
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(636 + 128 + 6 + 448), 0xFFFF);

        var ex = Assert.Throws<QuoteFormatException>(() => QuoteParser.Parse(bytes));

        Assert.That(ex!.Field, Is.EqualTo("signatureData.certificationData.qeAuthData"));
    }

    [Test]
    public void Parse_SgxTeeType_Throws()
    {
        var bytes = AttestationTestData.Quote;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 0);

        var ex = Assert.Throws<QuoteFormatException>(() => QuoteParser.Parse(bytes));

        Assert.That(ex!.Field, Is.EqualTo("header.teeType"));
    }

    [Test]
    public void Parse_V5WrongBodySize_Throws()
    {
        var v4 = QuoteParser.Parse(AttestationTestData.Quote);
        var bytes = QuoteWriter.Write(v4 with { Header = v4.Header with { Version = 5 } });
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(50), 648);

        var ex = Assert.Throws<QuoteFormatException>(() => QuoteParser.Parse(bytes));

        Assert.That(ex!.Field, Is.EqualTo("body.size"));
    }

    [Test]
    public void Parse_Oversized_Throws()
    {
        var bytes = new byte[QuoteParser.MaxQuoteBytes + 1];
        AttestationTestData.Quote.CopyTo(bytes, 0);

        var ex = Assert.Throws<QuoteFormatException>(() => QuoteParser.Parse(bytes));

        Assert.That(ex!.Field, Is.EqualTo("quote"));
    }

    [Test]
    public void TryParse_Garbage_ReturnsFalseWithError()
    {
        var ok = QuoteParser.TryParse([1, 2, 3], out var quote, out var error);

        Assert.Multiple(() =>
        {
            Assert.That(ok, Is.False);
            Assert.That(quote, Is.Null);
            Assert.That(error!.Field, Is.EqualTo("header.version"));
        });
    }
}
