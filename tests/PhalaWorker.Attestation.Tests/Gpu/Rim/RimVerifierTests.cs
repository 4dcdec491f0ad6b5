using System.Text;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Attestation.Gpu.Rim;

namespace PhalaWorker.Attestation.Tests.Gpu.Rim;

public sealed class RimVerifierTests
{
    private static readonly RimVerifier Verifier = new();

    private static IEnumerable<TestCaseData> RealRims()
    {
        yield return new TestCaseData(RimTestData.DriverId).SetArgDisplayNames("driver");
        yield return new TestCaseData(RimTestData.VbiosId).SetArgDisplayNames("vbios");
    }

    [TestCaseSource(nameof(RealRims))]
    public void Verify_RealRimAtOriginTestTime_EveryCheckPasses(string id)
    {
        var rim = Load(id);

        var result = Verifier.Verify(rim, RimTestData.GoodTime);

        Assert.Multiple(() =>
        {
            Assert.That(result.Valid, Is.True, result.Reason);
            Assert.That(result.Checks.Select(c => c.Check), Is.EqualTo(new[] { RimCheck.Digest, RimCheck.Signature, RimCheck.Chain, RimCheck.Validity }));
            Assert.That(result.Checks.All(c => c.Passed), Is.True);
            Assert.That(result.FailedCheck, Is.Null);
            Assert.That(result.Emulated, Is.False);
            Assert.That(result.Id.Value, Is.EqualTo(id));
            Assert.That(result.VerifiedChain.Select(c => c.DisplayName.Split(" (")[0]), Is.EqualTo(new[]
            {
                "HCC RIM L4 Signer", "NVIDIA Reference Value L3 GH100 002", "NVIDIA Reference Value GH100 CA", "NVIDIA CoRIM signing Root CA",
            }));
            Assert.That(result.VerifiedChain[^1].Der, Is.EqualTo(RimTrustedRoots.NvidiaRootCertificateDer));
            Assert.That(result.VerifiedChain.Take(3).Select(c => c.Der), Is.EqualTo(rim.CertificateChain.Take(3)));
            Assert.That(result.VerifiedChain[1].SerialHex, Does.StartWith("b4ebf654"));
        });
    }

    [Test]
    public void Verify_Signers_SerialsAreTheOcspSamplesSerials()
    {
        var driver = Verifier.Verify(Load(RimTestData.DriverId), RimTestData.GoodTime);
        var vbios = Verifier.Verify(Load(RimTestData.VbiosId), RimTestData.GoodTime);

        Assert.Multiple(() =>
        {
            Assert.That(driver.VerifiedChain[0].SerialHex, Is.EqualTo("d69f10b46c05d201"));
            Assert.That(vbios.VerifiedChain[0].SerialHex, Is.EqualTo("89624ede804c3916"));
            Assert.That(vbios.ValidUntil, Is.EqualTo(RimTestData.VbiosSignerNotAfter));
        });
    }

    [TestCaseSource(nameof(RealRims))]
    public void Verify_AtTheCurrentDate_ValidityFailsNamingTheExpiredSigner(string id)
    {
        // The real clock: both L4 signers expired in 2026 (VBIOS 2026-02-22, driver 2026-06-01).
        var result = new RimVerifier(time: TimeProvider.System).Verify(Load(id));

        Assert.Multiple(() =>
        {
            Assert.That(result.Valid, Is.False);
            Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Validity));
            Assert.That(result.FailedItem, Does.StartWith("HCC RIM L4 Signer"));
            Assert.That(result.Reason, Does.Contain("expired 2026-"));
            Assert.That(result[RimCheck.Digest].Passed && result[RimCheck.Signature].Passed && result[RimCheck.Chain].Passed, Is.True);
        });
    }

    [Test]
    public void Verify_VbiosSignerExpiryBoundary_ValidAtNotAfterInvalidOneSecondLater()
    {
        var rim = Load(RimTestData.VbiosId);
        var clock = new FakeTimeProvider(RimTestData.VbiosSignerNotAfter);
        var verifier = new RimVerifier(time: clock);

        var atEnd = verifier.Verify(rim);
        clock.Advance(TimeSpan.FromSeconds(1));
        var after = verifier.Verify(rim);

        Assert.Multiple(() =>
        {
            Assert.That(atEnd.Valid, Is.True, atEnd.Reason);
            Assert.That(after.FailedCheck, Is.EqualTo(RimCheck.Validity));
            Assert.That(after.FailedItem, Does.StartWith("HCC RIM L4 Signer (serial 89624ede804c3916)"));
        });
    }

    [Test]
    public void Verify_BeforeSignerNotBefore_ValidityFails()
    {
        var result = Verifier.Verify(Load(RimTestData.DriverId), RimTestData.SignerNotBefore.AddSeconds(-1));

        Assert.Multiple(() =>
        {
            Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Validity));
            Assert.That(result.Reason, Does.Contain("not valid before"));
            Assert.That(Verifier.Verify(Load(RimTestData.DriverId), RimTestData.SignerNotBefore).Valid, Is.True);
        });
    }

    [Test]
    public void Verify_OneHashAttributeChanged_DigestFailsSignatureStillVerifies()
    {
        var xml = RimTestData.DriverXml;
        var resource = RimXmlEdit.Resource(xml, 7);
        var changed = RimXmlEdit.ReplaceOnce(resource, "ns2:Hash0=\"80161aac", "ns2:Hash0=\"80161aad");

        var result = Verifier.Verify(Parse(RimXmlEdit.ReplaceOnce(xml, resource, changed), RimTestData.DriverId), RimTestData.GoodTime);

        Assert.Multiple(() =>
        {
            Assert.That(result.Valid, Is.False);
            Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Digest));
            Assert.That(result.FailedItem, Is.EqualTo("Signature/SignedInfo/Reference/DigestValue"));
            Assert.That(result[RimCheck.Signature].Passed, Is.True, "SignedInfo itself is untouched");
            Assert.That(result.Checks.Count(c => !c.Passed), Is.EqualTo(1));
        });
    }

    [Test]
    public void Verify_WhitespaceAddedInPayload_DigestFails()
    {
        var xml = RimXmlEdit.ReplaceOnce(RimTestData.VbiosXml, "</ns0:Payload>", " </ns0:Payload>");

        var result = Verifier.Verify(Parse(xml, RimTestData.VbiosId), RimTestData.GoodTime);

        Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Digest));
    }

    [Test]
    public void Verify_AttributeOrderAndQuotesChanged_StillVerifies()
    {
        // Canonicalization at work: attribute order and quote style are not signed, only the canonical form is.
        var xml = RimXmlEdit.ReplaceOnce(RimTestData.DriverXml, "corpus=\"false\" name=\"GH100\"", "name='GH100'   corpus=\"false\"");

        var result = Verifier.Verify(Parse(xml, RimTestData.DriverId), RimTestData.GoodTime);

        Assert.That(result.Valid, Is.True, result.Reason);
    }

    [TestCase(0)]
    [TestCase(50)]
    [TestCase(-1)]
    public void Verify_OneByteOfSignatureValueChanged_SignatureFails(int offset)
    {
        var xml = RimTestData.DriverXml;
        var value = RimXmlEdit.SignatureValue(xml);

        var result = Verifier.Verify(Parse(RimXmlEdit.ReplaceOnce(xml, value, RimXmlEdit.FlipBase64Byte(value, offset)), RimTestData.DriverId), RimTestData.GoodTime);

        Assert.Multiple(() =>
        {
            Assert.That(result.Valid, Is.False);
            Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Signature));
            Assert.That(result.FailedItem, Is.EqualTo("Signature/SignatureValue"));
            Assert.That(result[RimCheck.Digest].Passed, Is.True);
            Assert.That(result[RimCheck.Chain].Passed, Is.True);
        });
    }

    [Test]
    public void Verify_AttributeAddedToSignedInfo_SignatureFails()
    {
        // An extra attribute inside SignedInfo keeps the accepted shape but changes the canonical octets that were signed.
        var xml = RimXmlEdit.ReplaceOnce(RimTestData.VbiosXml, "<ds:Reference URI=\"\">", "<ds:Reference URI=\"\" Id=\"r\">");

        var result = Verifier.Verify(Parse(xml, RimTestData.VbiosId), RimTestData.GoodTime);

        Assert.Multiple(() =>
        {
            Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Signature));
            Assert.That(result[RimCheck.Digest].Passed, Is.True);
        });
    }

    [TestCase(1, "NVIDIA Reference Value L3 GH100 002")]
    [TestCase(2, "NVIDIA Reference Value GH100 CA")]
    public void Verify_ChangedCertificateByte_ChainFailsNamingTheCertificate(int position, string name)
    {
        var xml = RimTestData.DriverXml;
        var certificate = RimXmlEdit.Certificate(xml, position);

        // The last byte is inside the ECDSA signature's s value: the DER still decodes, the issuer's signature no longer verifies.
        var result = Verifier.Verify(Parse(RimXmlEdit.ReplaceOnce(xml, certificate, RimXmlEdit.FlipBase64Byte(certificate.Replace("\n", string.Empty, StringComparison.Ordinal), -1)), RimTestData.DriverId), RimTestData.GoodTime);

        Assert.Multiple(() =>
        {
            Assert.That(result.Valid, Is.False);
            Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Chain));
            Assert.That(result.FailedItem, Does.StartWith(name));
            Assert.That(result.VerifiedChain, Is.Empty);
            Assert.That(result[RimCheck.Signature].Passed, Is.True);
        });
    }

    [Test]
    public void Verify_ChangedSignerCertificateKey_SignatureAndChainFail()
    {
        var xml = RimTestData.DriverXml;
        var certificate = RimXmlEdit.Certificate(xml, 0);
        var der = Convert.FromBase64String(certificate);
        var point = IndexOf(der, [0x03, 0x62, 0x00, 0x04]) + 10; // inside the uncompressed P-384 point of the SPKI
        der[point] ^= 0x01;

        var result = Verifier.Verify(Parse(RimXmlEdit.ReplaceOnce(xml, certificate, Convert.ToBase64String(der)), RimTestData.DriverId), RimTestData.GoodTime);

        Assert.Multiple(() =>
        {
            Assert.That(result.Valid, Is.False);
            Assert.That(result[RimCheck.Chain].Passed, Is.False);
            Assert.That(result[RimCheck.Signature].Passed, Is.False);
        });
    }

    [Test]
    public void Verify_UndecodableCertificate_ChainFailsNamingThePosition()
    {
        var xml = RimTestData.DriverXml;
        var certificate = RimXmlEdit.Certificate(xml, 2);

        var result = Verifier.Verify(Parse(RimXmlEdit.ReplaceOnce(xml, certificate, Convert.ToBase64String(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x01 })), RimTestData.DriverId), RimTestData.GoodTime);

        Assert.Multiple(() =>
        {
            Assert.That(result[RimCheck.Chain].Passed, Is.False);
            Assert.That(result[RimCheck.Chain].Item, Is.EqualTo("X509Certificate[3]"));
            Assert.That(result[RimCheck.Validity].Passed, Is.False);
        });
    }

    [Test]
    public void Verify_RootDropped_ChainFailsUntrustedEnd()
    {
        var xml = RimTestData.DriverXml;
        var root = RimXmlEdit.Certificate(xml, 3);

        var result = Verifier.Verify(Parse(RimXmlEdit.ReplaceOnce(xml, $"<ds:X509Certificate>{root}</ds:X509Certificate>", string.Empty), RimTestData.DriverId), RimTestData.GoodTime);

        Assert.Multiple(() =>
        {
            Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Chain));
            Assert.That(result.FailedItem, Does.StartWith("NVIDIA Reference Value GH100 CA"));
            Assert.That(result.Reason, Does.Contain("not a trusted RIM root"));
        });
    }

    [Test]
    public void Verify_ChainReordered_ChainFails()
    {
        var xml = RimTestData.DriverXml;
        var l3 = RimXmlEdit.Certificate(xml, 1);
        var ca = RimXmlEdit.Certificate(xml, 2);
        var swapped = xml.Replace(l3, "@L3@", StringComparison.Ordinal).Replace(ca, l3, StringComparison.Ordinal).Replace("@L3@", ca, StringComparison.Ordinal);

        var result = Verifier.Verify(Parse(swapped, RimTestData.DriverId), RimTestData.GoodTime);

        Assert.Multiple(() =>
        {
            Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Chain));
            Assert.That(result.FailedItem, Does.StartWith("HCC RIM L4 Signer"));
        });
    }

    [Test]
    public void SignedInfo_Canonical_RendersInScopeNamespacesOnTheApexAsC14N11Does()
    {
        // Hand-derived from the C14N 1.1 rules: SignedInfo as apex carries every in-scope namespace (the SWID default, ds,
        // ns0, ns2), sorted default first then by prefix; no xml:* attribute is in scope, so 1.0 and 1.1 agree.
        var canonical = Encoding.UTF8.GetString(RimCanonicalizer.SignedInfo(Load(RimTestData.DriverId)));

        Assert.Multiple(() =>
        {
            Assert.That(canonical, Does.StartWith(
                "<ds:SignedInfo xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" "
                + "xmlns:ns0=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" xmlns:ns2=\"http://www.w3.org/2001/04/xmlenc#sha384\">"
                + "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2006/12/xml-c14n11\"></ds:CanonicalizationMethod>"));
            Assert.That(canonical, Does.EndWith("</ds:Reference></ds:SignedInfo>"));
        });
    }

    [Test]
    public void Nvidia_EmbeddedRoot_IsTheTestDataRootPinnedByFingerprint()
    {
        Assert.Multiple(() =>
        {
            Assert.That(RimTrustedRoots.NvidiaRootCertificateDer, Is.EqualTo(RimTestData.RimRootDer));
            Assert.That(RimTrustedRoots.Nvidia.Count, Is.EqualTo(1));
            Assert.That(RimTrustedRoots.Nvidia.TrustsEmulated, Is.False);
        });
    }

    internal static ReferenceIntegrityManifest Load(string id) =>
        ReferenceIntegrityManifest.Parse(id == RimTestData.DriverId ? RimTestData.DriverBytes : RimTestData.VbiosBytes, id);

    private static ReferenceIntegrityManifest Parse(string xml, string id) => ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(xml), id);

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        return -1;
    }
}
