using PhalaWorker.Attestation.Gpu.Rim;

namespace PhalaWorker.Attestation.Tests.Gpu.Rim;

public sealed class ReferenceIntegrityManifestTests
{
    private static readonly int[] DriverActive = [7, .. Enumerable.Range(21, 20)];
    private static readonly int[] VbiosActive = [.. Enumerable.Range(0, 7), .. Enumerable.Range(8, 5)];

    [Test]
    public void Parse_DriverRim_IdKindVersionAndActiveIndices()
    {
        var rim = ReferenceIntegrityManifest.Parse(RimTestData.DriverBytes, RimTestData.DriverId);

        Assert.Multiple(() =>
        {
            Assert.That(rim.Id.Value, Is.EqualTo(RimTestData.Expected.GetProperty("decoded").GetProperty("driver_rim_id").GetString()));
            Assert.That(rim.Kind, Is.EqualTo(RimKind.Driver));
            Assert.That(rim.Version, Is.EqualTo("550.90.07"));
            Assert.That(rim.MatchesVersion(RimTestData.Expected.GetProperty("decoded").GetProperty("driver_version").GetString()!), Is.True);
            Assert.That(rim.MatchesVersion("550.90.12"), Is.False);
            Assert.That(rim.Product, Is.EqualTo("GH100"));
            Assert.That(rim.TagId, Does.StartWith("63f9f7f7"));
            Assert.That(rim.Measurements, Has.Count.EqualTo(64));
            Assert.That(rim.Measurements.Select(m => m.Index), Is.EqualTo(Enumerable.Range(0, 64)));
            Assert.That(rim.ActiveMeasurements.Select(m => m.Index), Is.EqualTo(DriverActive));
            Assert.That(rim.Find(35)!.Alternatives, Has.Count.EqualTo(4));
            Assert.That(Convert.ToHexStringLower(rim.Find(7)!.Alternatives[0]), Does.StartWith("80161aac5e7509f0"));
            Assert.That(rim.Find(7)!.Name, Is.EqualTo("Measurement_7"));
            Assert.That(rim.Find(7)!.Size, Is.EqualTo(48));
            Assert.That(rim.Find(7)!.SpdmBlockIndex, Is.EqualTo(8));
        });
    }

    [Test]
    public void Parse_VbiosRim_IdKindVersionAndActiveIndices()
    {
        var rim = ReferenceIntegrityManifest.Parse(RimTestData.VbiosBytes, RimTestData.VbiosId);

        Assert.Multiple(() =>
        {
            Assert.That(rim.Id.Value, Is.EqualTo(RimTestData.Expected.GetProperty("decoded").GetProperty("vbios_rim_id").GetString()));
            Assert.That(rim.Kind, Is.EqualTo(RimKind.Vbios));
            Assert.That(rim.Version, Is.EqualTo("96.00.9F.00.01"));
            Assert.That(rim.MatchesVersion("96.00.9f.00.01"), Is.True, "NVML reports the VBIOS version in lower case");
            Assert.That(rim.ActiveMeasurements.Select(m => m.Index), Is.EqualTo(VbiosActive));
            Assert.That(rim.Find(12)!.Alternatives, Has.Count.EqualTo(4));
        });
    }

    [Test]
    public void Parse_BothRims_33ActiveGoldenValuesAsInExpectedJson()
    {
        var driver = ReferenceIntegrityManifest.Parse(RimTestData.DriverBytes, RimTestData.DriverId);
        var vbios = ReferenceIntegrityManifest.Parse(RimTestData.VbiosBytes, RimTestData.VbiosId);
        var expected = RimTestData.Expected.GetProperty("rim_comparison");

        var actual = driver.ActiveMeasurements.Select(m => (m.Index, Source: "driver", m.Alternatives.Count))
            .Concat(vbios.ActiveMeasurements.Select(m => (m.Index, Source: "vbios", m.Alternatives.Count)))
            .OrderBy(x => x.Index)
            .ToList();
        var wanted = expected.GetProperty("details").EnumerateArray()
            .Select(d => (d.GetProperty("rim_index").GetInt32(), d.GetProperty("source").GetString()!, d.GetProperty("alternatives").GetInt32()))
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(actual, Has.Count.EqualTo(expected.GetProperty("active_golden_count").GetInt32()));
            Assert.That(actual, Has.Count.EqualTo(33));
            Assert.That(actual, Is.EqualTo(wanted));
        });
    }

    [Test]
    public void Parse_CertificateChain_FourCertificatesSignerFirstRootLast()
    {
        var rim = ReferenceIntegrityManifest.Parse(RimTestData.DriverBytes, RimTestData.DriverId);

        Assert.Multiple(() =>
        {
            Assert.That(rim.CertificateChain, Has.Count.EqualTo(4));
            Assert.That(rim.CertificateChain[3], Is.EqualTo(RimTestData.RimRootDer));
            Assert.That(rim.CertificateChain[0], Is.EqualTo(Convert.FromBase64String(RimXmlEdit.Certificate(RimTestData.DriverXml, 0))));
        });
    }

    [Test]
    public void Load_FileName_IsTheId()
    {
        var rim = ReferenceIntegrityManifest.Load(RimTestData.PathOf($"rims/{RimTestData.VbiosId}.swidtag"));

        Assert.That(rim.Id.Value, Is.EqualTo(RimTestData.VbiosId));
    }

    [TestCase("NV_GPU_DRIVER_GH100_550.90.12", TestName = "Parse_IdWithOtherDriverVersion_Throws")]
    [TestCase("NV_GPU_DRIVER_GB100_550.90.07", TestName = "Parse_IdWithOtherChip_Throws")]
    [TestCase("NV_GPU_VBIOS_1010_0200_882_96009F0001", TestName = "Parse_DriverRimUnderVbiosId_Throws")]
    public void Parse_IdDisagreesWithSignedContent_ThrowsNamingId(string id)
    {
        var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(RimTestData.DriverBytes, id));

        Assert.That(ex!.Field, Is.EqualTo("id"));
    }

    [TestCase("")]
    [TestCase("NV_SWITCH_DRIVER_LS10_550.90.07")]
    [TestCase("NV_GPU_DRIVER_GH100")]
    [TestCase("NV_GPU_VBIOS_1010_0200_96009F0001")]
    [TestCase("NV_GPU_DRIVER_GH100_550.90.07/../x")]
    public void RimId_Parse_Malformed_ThrowsNamingId(string id)
    {
        var ex = Assert.Throws<RimFormatException>(() => RimId.Parse(id));

        Assert.That(ex!.Field, Is.EqualTo("id"));
    }

    [Test]
    public void RimId_ForVbios_FromReportFields_IsNvidiasId()
    {
        var decoded = RimTestData.Expected.GetProperty("decoded");

        var id = RimId.ForVbios(decoded.GetProperty("project").GetString()!, decoded.GetProperty("project_sku").GetString()!,
            decoded.GetProperty("chip_sku").GetString()!, decoded.GetProperty("vbios_version").GetString()!);

        Assert.Multiple(() =>
        {
            Assert.That(id.Value, Is.EqualTo(RimTestData.VbiosId));
            Assert.That(id.Kind, Is.EqualTo(RimKind.Vbios));
            Assert.That(RimId.ForDriver("GH100", "550.90.07").Value, Is.EqualTo(RimTestData.DriverId));
        });
    }

    [Test]
    public void Parse_Dtd_Refused()
    {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE SoftwareIdentity [<!ENTITY x \"y\">]>\n" + RimTestData.DriverXml;

        var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(xml), RimTestData.DriverId));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Field, Is.EqualTo("document"));
            Assert.That(ex.Message, Does.Contain("DTD"));
            Assert.That(ex.Reason, Is.EqualTo(AttestationErrorReason.CollateralFormat));
        });
    }

    [Test]
    public void Parse_ExternalEntity_Refused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rim-xxe-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "550.90.07");
        try
        {
            var xml = $"<!DOCTYPE SoftwareIdentity [<!ENTITY v SYSTEM \"file://{path}\">]>\n"
                + RimXmlEdit.ReplaceOnce(RimTestData.DriverXml, "colloquialVersion=\"550.90.07\"", "colloquialVersion=\"&v;\"");

            var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(xml), RimTestData.DriverId));

            Assert.That(ex!.Field, Is.EqualTo("document"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Parse_EntityExpansionBomb_RefusedQuickly()
    {
        var entities = string.Concat(Enumerable.Range(1, 9).Select(i => $"<!ENTITY e{i} \"{string.Concat(Enumerable.Repeat($"&e{i - 1};", 10))}\">"));
        var xml = $"<!DOCTYPE r [<!ENTITY e0 \"lol\">{entities}]><r>&e9;</r>";

        var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(xml), RimTestData.DriverId));

        Assert.That(ex!.Field, Is.EqualTo("document"));
    }

    [Test]
    public void Parse_Oversized_RefusedBeforeParsing()
    {
        var xml = new byte[ReferenceIntegrityManifest.MaxSize + 1];

        var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(xml, RimTestData.DriverId));

        Assert.That(ex!.Message, Does.Contain("exceed"));
    }

    [Test]
    public void Parse_NotXml_RefusedNamingDocument()
    {
        var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(RimTestData.DriverBytes.AsSpan(0, 5000), RimTestData.DriverId));

        Assert.That(ex!.Field, Is.EqualTo("document"));
    }

    [Test]
    public void Parse_MissingAlternative_NamesTheAttribute()
    {
        var xml = RimTestData.VbiosXml;
        var resource = RimXmlEdit.Resource(xml, 12);
        var broken = System.Text.RegularExpressions.Regex.Replace(resource, " ns2:Hash2=\"[0-9a-f]+\"", string.Empty);

        var ex = Assert.Throws<RimFormatException>(() =>
            ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(RimXmlEdit.ReplaceOnce(xml, resource, broken)), RimTestData.VbiosId));

        Assert.That(ex!.Field, Is.EqualTo("Payload/Resource[index=12]/@Hash2"));
    }

    [TestCase("alternatives=\"4\"", "alternatives=\"3\"", "Payload/Resource[index=12]/@Hash3", TestName = "Parse_HashBeyondAlternatives_NamesIt")]
    [TestCase("alternatives=\"4\"", "alternatives=\"99\"", "Payload/Resource[index=12]/@alternatives", TestName = "Parse_TooManyAlternatives_NamesIt")]
    [TestCase("size=\"48\"", "size=\"32\"", "Payload/Resource[index=12]/@size", TestName = "Parse_WrongSize_NamesIt")]
    [TestCase("active=\"True\"", "active=\"yes\"", "Payload/Resource[index=12]/@active", TestName = "Parse_BadActive_NamesIt")]
    [TestCase("index=\"12\"", "index=\"11\"", "Payload/Resource[index=11]/@index", TestName = "Parse_DuplicateIndex_NamesIt")]
    [TestCase("index=\"12\"", "index=\"-1\"", "Payload/Resource/@index", TestName = "Parse_NegativeIndex_NamesIt")]
    [TestCase("ns2:Hash1=\"2dca", "ns2:Hash1=\"zzca", "Payload/Resource[index=12]/@Hash1", TestName = "Parse_NonHexHash_NamesIt")]
    public void Parse_MalformedResource_NamesTheAttribute(string from, string to, string field)
    {
        var xml = RimTestData.VbiosXml;
        var resource = RimXmlEdit.Resource(xml, 12);

        var ex = Assert.Throws<RimFormatException>(() =>
            ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(RimXmlEdit.ReplaceOnce(xml, resource, RimXmlEdit.ReplaceOnce(resource, from, to))), RimTestData.VbiosId));

        Assert.That(ex!.Field, Is.EqualTo(field));
    }

    [TestCase("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "Signature/SignedInfo/SignatureMethod/@Algorithm")]
    [TestCase("<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#sha384\"", "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"", "Signature/SignedInfo/Reference/DigestMethod/@Algorithm")]
    [TestCase("<ds:Reference URI=\"\">", "<ds:Reference URI=\"#payload\">", "Signature/SignedInfo/Reference/@URI")]
    [TestCase("<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>", "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"/>", "Signature/SignedInfo/Reference/Transforms/Transform[1]/@Algorithm")]
    [TestCase("<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2006/12/xml-c14n11\"/>", "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>", "Signature/SignedInfo/CanonicalizationMethod/@Algorithm")]
    public void Parse_UnsupportedSignatureShape_NamesTheElement(string from, string to, string field)
    {
        var xml = RimXmlEdit.ReplaceOnce(RimTestData.DriverXml, from, to);

        var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(xml), RimTestData.DriverId));

        Assert.That(ex!.Field, Is.EqualTo(field));
    }

    [Test]
    public void Parse_Unsigned_Refused()
    {
        var xml = RimTestData.DriverXml;
        var start = xml.IndexOf("<ds:Signature ", StringComparison.Ordinal);
        var end = xml.IndexOf("</ds:Signature>", StringComparison.Ordinal) + "</ds:Signature>".Length;

        var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(xml.Remove(start, end - start)), RimTestData.DriverId));

        Assert.That(ex!.Field, Is.EqualTo("Signature"));
    }

    [Test]
    public void Parse_SecondSignatureWrappingPayload_Refused()
    {
        var xml = RimTestData.DriverXml;
        var start = xml.IndexOf("<ds:Signature ", StringComparison.Ordinal);
        var end = xml.IndexOf("</ds:Signature>", StringComparison.Ordinal) + "</ds:Signature>".Length;
        var signature = xml[start..end];
        var wrapped = RimXmlEdit.ReplaceOnce(xml, "<ns0:Entity ", "<ns0:Link>" + signature + "</ns0:Link><ns0:Entity ");

        var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(wrapped), RimTestData.DriverId));

        Assert.That(ex!.Field, Is.EqualTo("Signature"));
    }

    [TestCase("xml:base=\"https://example.com/\"")]
    [TestCase("xml:lang=\"en\"")]
    public void Parse_XmlAttributeOnSignatureAncestor_Refused(string attribute)
    {
        // The one case where C14N 1.1 and the C14N 1.0 transform used for it would differ is refused.
        var xml = RimXmlEdit.ReplaceOnce(RimTestData.DriverXml, "<SoftwareIdentity ", $"<SoftwareIdentity {attribute} ");

        var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(xml), RimTestData.DriverId));

        Assert.That(ex!.Field, Does.StartWith("SoftwareIdentity/@xml:"));
    }

    [Test]
    public void Parse_WrongDocumentElement_NamesIt()
    {
        var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes("<Other/>"), RimTestData.DriverId));

        Assert.That(ex!.Field, Is.EqualTo("SoftwareIdentity"));
    }
}
