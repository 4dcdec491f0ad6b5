using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Asn1;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Tests.Emulation;

public sealed class EmulatedTeeTests
{
    internal static readonly byte[] Seed = Encoding.ASCII.GetBytes("phala-worker emulated tee test seed");
    internal static readonly DateTimeOffset IssuedAt = new(2025, 7, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Lazy<EmulatedTee> SharedTee = new(() => EmulatedTee.FromSeed(Seed, IssuedAt));

    private const int PinnedQuoteLength = 5123;
    private const string PinnedQuoteSha256 = "831108563ab8e577f441c34c90ee3ee60ad8124b0078cdb072c83f84ab4936da";

    internal static EmulatedTee Tee => SharedTee.Value;

    internal static byte[] ReportData => [.. Enumerable.Range(0, 64).Select(i => (byte)(0xa0 ^ i))];

    [Test]
    public void FromSeed_SameSeed_SameCertificatesCollateralAndQuote()
    {
        var other = EmulatedTee.FromSeed(Seed, IssuedAt);

        Assert.That(other.EmulatedRootCertificateDer, Is.EqualTo(Tee.EmulatedRootCertificateDer));
        Assert.That(other.PckChain.PckCertificateDer, Is.EqualTo(Tee.PckChain.PckCertificateDer));
        Assert.That(other.Collateral.Json, Is.EqualTo(Tee.Collateral.Json));
        Assert.That(other.CreateQuote(ReportData), Is.EqualTo(Tee.CreateQuote(ReportData)));
    }

    [Test]
    public void CreateQuote_FixedSeed_PinnedBytes()
    {
        // Regression pin: the seeded emulated quote (keys, certificates, layout) must not change unnoticed.
        var quote = Tee.CreateQuote(ReportData);

        Assert.That(quote, Has.Length.EqualTo(PinnedQuoteLength));
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(quote)), Is.EqualTo(PinnedQuoteSha256));
    }

    [Test]
    public void FromSeed_OtherSeed_OtherRootKey()
    {
        var other = EmulatedTee.FromSeed("another seed for the emulated tee"u8, IssuedAt);

        Assert.That(other.EmulatedRootCertificateDer, Is.Not.EqualTo(Tee.EmulatedRootCertificateDer));
        Assert.That(other.AttestationPublicKey, Is.Not.EqualTo(Tee.AttestationPublicKey));
    }

    [Test]
    public void FromSeed_ShortSeed_Throws()
    {
        Assert.That(() => EmulatedTee.FromSeed(new byte[8], IssuedAt), Throws.ArgumentException);
    }

    [Test]
    public void CreateRandom_TwoInstances_DifferentKeys()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(IssuedAt);

        var first = EmulatedTee.CreateRandom(time);
        var second = EmulatedTee.CreateRandom(time);

        Assert.That(first.AttestationPublicKey, Is.Not.EqualTo(second.AttestationPublicKey));
    }

    [Test]
    public void CreateQuote_Parsed_HasTdxV4LayoutAndMeasurements()
    {
        var measurements = EmulatedTdMeasurements.Default.WithRtmr(3, SHA384.HashData("rtmr3"u8));

        var quote = QuoteParser.Parse(Tee.CreateQuote(ReportData, measurements));

        Assert.Multiple(() =>
        {
            Assert.That(quote.Header.Version, Is.EqualTo(4));
            Assert.That(quote.Header.AttestationKeyType, Is.EqualTo(QuoteHeader.AttestationKeyTypeEcdsaP256));
            Assert.That(quote.Header.TeeType, Is.EqualTo(QuoteHeader.TeeTypeTdx));
            Assert.That(Convert.ToHexStringLower(quote.Header.QeVendorId), Is.EqualTo("939a7233f79c4ca9940a0db3957f0607"));
            Assert.That(quote.Body.ReportData, Is.EqualTo(ReportData));
            Assert.That(quote.Body.MrTd, Is.EqualTo(measurements.Mrtd));
            Assert.That(quote.Body.Rtmr0, Is.EqualTo(measurements.Rtmrs[0]));
            Assert.That(quote.Body.Rtmr3, Is.EqualTo(measurements.Rtmrs[3]));
            Assert.That(quote.Body.TeeTcbSvn, Is.EqualTo(Tee.Platform.TeeTcbSvn));
            Assert.That(quote.Body.IsDebug, Is.False);
            Assert.That(quote.SignatureData.AttestationKey, Is.EqualTo(Tee.AttestationPublicKey));
            Assert.That(quote.SignatureData.QeReportCertification, Is.Not.Null);
            Assert.That(quote.SignatureData.QeReportCertification!.Inner, Is.TypeOf<PckCertChainCertificationData>());
            Assert.That(quote.TrailingBytes, Is.Empty);
        });
    }

    [Test]
    public void CreateQuote_WrittenBackByQuoteWriter_ByteExact()
    {
        var bytes = Tee.CreateQuote(ReportData);

        Assert.That(QuoteWriter.Write(QuoteParser.Parse(bytes)), Is.EqualTo(bytes));
    }

    [Test]
    public void CreateQuote_Signatures_VerifyAlongTheDcapChain()
    {
        var bytes = Tee.CreateQuote(ReportData);
        var quote = QuoteParser.Parse(bytes);
        var qe = quote.SignatureData.QeReportCertification!;

        // Quote signature: attestation key over header ‖ body.
        using var attestationKey = ImportP256(quote.SignatureData.AttestationKey);
        Assert.That(attestationKey.VerifyData(bytes.AsSpan(0, 48 + 584), quote.SignatureData.Signature, HashAlgorithmName.SHA256), Is.True);

        // QE report: signed by the PCK leaf, report data = SHA-256(attestation key ‖ QE auth data) ‖ zeros.
        using var pck = X509CertificateLoader.LoadCertificate(Tee.PckChain.PckCertificateDer);
        using var pckKey = pck.GetECDsaPublicKey()!;
        Assert.That(pckKey.VerifyData(QuoteWriter.WriteSgxReportBody(qe.QeReport), qe.QeReportSignature, HashAlgorithmName.SHA256), Is.True);
        var expected = SHA256.HashData([.. quote.SignatureData.AttestationKey, .. qe.QeAuthData]);
        Assert.That(qe.QeReport.ReportData[..32], Is.EqualTo(expected));
        Assert.That(qe.QeReport.ReportData[32..], Is.All.Zero);

        // PEM chain in the quote = leaf, platform CA, root (+ NUL, like Intel's).
        var pem = ((PckCertChainCertificationData)qe.Inner).PemChain;
        Assert.That(pem[^1], Is.Zero);
        Assert.That(Encoding.ASCII.GetString(pem, 0, pem.Length - 1), Is.EqualTo(Tee.PckChain.PckChainPem));
    }

    [Test]
    public void PckChain_BuildsToEmulatedRootOnly()
    {
        using var root = X509CertificateLoader.LoadCertificate(Tee.EmulatedRootCertificateDer);
        using var platform = X509CertificateLoader.LoadCertificate(Tee.PckChain.PlatformCaCertificateDer);
        using var leaf = X509CertificateLoader.LoadCertificate(Tee.PckChain.PckCertificateDer);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(platform);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = IssuedAt.UtcDateTime;

        Assert.That(chain.Build(leaf), Is.True, string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.That(root.Subject, Does.Contain("CN=PhalaWorker Emulated SGX Root CA"));
        Assert.That(leaf.Issuer, Is.EqualTo(platform.Subject));
    }

    [Test]
    public void PckCertificate_SgxExtension_SameAsn1ShapeAsIntelLeaf()
    {
        var intelLeaf = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(
            AttestationTestData.Text("pck_chain_from_quote.pem").Split("-----")[2]));
        using var emulatedLeaf = X509CertificateLoader.LoadCertificate(Tee.PckChain.PckCertificateDer);

        var intelShape = Shape(intelLeaf.Extensions["1.2.840.113741.1.13.1"]!.RawData);
        var emulatedShape = Shape(emulatedLeaf.Extensions["1.2.840.113741.1.13.1"]!.RawData);

        Assert.That(emulatedShape, Is.EqualTo(intelShape));
        Assert.That(emulatedLeaf.Extensions.Select(e => e.Oid!.Value), Is.EqualTo(intelLeaf.Extensions.Select(e => e.Oid!.Value)));
        Assert.That(emulatedLeaf.Extensions.Select(e => e.Critical), Is.EqualTo(intelLeaf.Extensions.Select(e => e.Critical)));
        intelLeaf.Dispose();
    }

    [Test]
    public void PckCertificate_SgxExtension_CarriesPlatformValues()
    {
        using var leaf = X509CertificateLoader.LoadCertificate(Tee.PckChain.PckCertificateDer);
        var ext = (Asn1Sequence)Asn1Object.FromByteArray(leaf.Extensions["1.2.840.113741.1.13.1"]!.RawData);
        var items = ext.Cast<Asn1Sequence>().ToDictionary(s => ((DerObjectIdentifier)s[0]).Id, s => s[1]);

        Assert.That(((Asn1OctetString)items["1.2.840.113741.1.13.1.4"]).GetOctets(), Is.EqualTo(Tee.Platform.Fmspc));
        Assert.That(((Asn1OctetString)items["1.2.840.113741.1.13.1.3"]).GetOctets(), Is.EqualTo(Tee.Platform.PceId));
        var tcb = ((Asn1Sequence)items["1.2.840.113741.1.13.1.2"]).Cast<Asn1Sequence>().ToDictionary(s => ((DerObjectIdentifier)s[0]).Id, s => s[1]);
        Assert.That(((DerInteger)tcb["1.2.840.113741.1.13.1.2.17"]).IntValueExact, Is.EqualTo(Tee.Platform.PceSvn));
        Assert.That(((DerInteger)tcb["1.2.840.113741.1.13.1.2.5"]).IntValueExact, Is.EqualTo(Tee.Platform.SgxTcbComponents[4]));
        Assert.That(((Asn1OctetString)tcb["1.2.840.113741.1.13.1.2.18"]).GetOctets(), Is.EqualTo(Tee.Platform.CpuSvn));
    }

    [Test]
    public void Collateral_ParsesAsQuoteCollateralV3_SignaturesVerify()
    {
        var collateral = Tee.Collateral.ToQuoteCollateral();
        using var tcbSigning = X509CertificateLoader.LoadCertificate(Tee.PckChain.TcbSigningCertificateDer);
        using var key = tcbSigning.GetECDsaPublicKey()!;

        Assert.That(key.VerifyData(Encoding.UTF8.GetBytes(collateral.TcbInfo), collateral.TcbInfoSignature, HashAlgorithmName.SHA256), Is.True);
        Assert.That(key.VerifyData(Encoding.UTF8.GetBytes(collateral.QeIdentity), collateral.QeIdentitySignature, HashAlgorithmName.SHA256), Is.True);
        Assert.That(collateral.TcbInfo, Does.StartWith("{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2025-07-01T00:00:00Z\",\"nextUpdate\":\"2025-07-31T00:00:00Z\",\"fmspc\":\"B0C06F000000\""));
        Assert.That(collateral.QeIdentity, Does.StartWith("{\"id\":\"TD_QE\",\"version\":2,"));
        Assert.That(collateral.PckCrlIssuerChain, Is.EqualTo(Tee.PckChain.PckCrlIssuerChainPem));
    }

    [Test]
    public void Collateral_Crls_SignedByIssuersWithWindow()
    {
        var rootCrl = new Org.BouncyCastle.X509.X509Crl(Tee.Collateral.RootCaCrlDer);
        var pckCrl = new Org.BouncyCastle.X509.X509Crl(Tee.Collateral.PckCrlDer);
        var root = new Org.BouncyCastle.X509.X509Certificate(Tee.EmulatedRootCertificateDer);
        var platform = new Org.BouncyCastle.X509.X509Certificate(Tee.PckChain.PlatformCaCertificateDer);

        Assert.That(() => rootCrl.Verify(root.GetPublicKey()), Throws.Nothing);
        Assert.That(() => pckCrl.Verify(platform.GetPublicKey()), Throws.Nothing);
        Assert.That(pckCrl.IssuerDN.Equivalent(platform.SubjectDN), Is.True);
        Assert.That(pckCrl.ThisUpdate, Is.EqualTo(IssuedAt.UtcDateTime));
        Assert.That(pckCrl.NextUpdate!.Value, Is.EqualTo(IssuedAt.UtcDateTime.AddDays(30)));
        Assert.That(pckCrl.GetRevokedCertificates(), Is.Null.Or.Empty);
    }

    [Test]
    public void Collateral_RevokePckCertificate_PckCrlListsLeaf()
    {
        var tee = EmulatedTee.FromSeed(Seed, IssuedAt, new EmulatedPlatform { RevokePckCertificate = true });
        var pckCrl = new Org.BouncyCastle.X509.X509Crl(tee.Collateral.PckCrlDer);
        var leaf = new Org.BouncyCastle.X509.X509Certificate(tee.PckChain.PckCertificateDer);

        Assert.That(pckCrl.IsRevoked(leaf), Is.True);
    }

    [Test]
    public void CreateQuote_WrongReportDataLength_Throws()
    {
        Assert.That(() => Tee.CreateQuote(new byte[32]), Throws.ArgumentException);
    }

    private static ECDsa ImportP256(byte[] raw64) => ECDsa.Create(new ECParameters
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = raw64[..32], Y = raw64[32..] },
    });

    /// <summary>The tree of (OID, ASN.1 tag) pairs of the SGX extension, ignoring values.</summary>
    private static List<string> Shape(byte[] der)
    {
        var result = new List<string>();
        Walk(Asn1Object.FromByteArray(der), result);
        return result;

        static void Walk(Asn1Encodable node, List<string> output)
        {
            switch (node)
            {
                case Asn1Sequence sequence:
                    output.Add("SEQ{");
                    foreach (var child in sequence)
                    {
                        Walk(child, output);
                    }

                    output.Add("}");
                    break;
                case DerObjectIdentifier oid:
                    output.Add(oid.Id);
                    break;
                default:
                    output.Add(node.GetType().Name);
                    break;
            }
        }
    }
}
