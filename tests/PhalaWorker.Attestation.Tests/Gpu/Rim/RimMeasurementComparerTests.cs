using PhalaWorker.Attestation.Gpu.Rim;

namespace PhalaWorker.Attestation.Tests.Gpu.Rim;

public sealed class RimMeasurementComparerTests
{
    private static ReferenceIntegrityManifest Driver => RimVerifierTests.Load(RimTestData.DriverId);

    private static ReferenceIntegrityManifest Vbios => RimVerifierTests.Load(RimTestData.VbiosId);

    [Test]
    public void Compare_ReportValuesNvdec0Enabled_All33MatchWithExpectedAlternatives()
    {
        var result = RimMeasurementComparer.Compare(Driver, Vbios, RimTestData.SpdmMeasurements(), RimMeasurementComparer.Nvdec0Enabled);
        var expected = RimTestData.Expected.GetProperty("rim_comparison").GetProperty("details").EnumerateArray()
            .Select(d => (d.GetProperty("rim_index").GetInt32(), d.GetProperty("spdm_block_index").GetInt32(), (int?)d.GetProperty("matched_alternative").GetInt32()))
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(RimComparisonStatus.Match), result.Reason);
            Assert.That(result.IsMatch, Is.True);
            Assert.That(result.ActiveGoldenCount, Is.EqualTo(33));
            Assert.That(result.Details, Has.Count.EqualTo(33));
            Assert.That(result.Details.All(d => d.Outcome == RimIndexOutcome.Matched), Is.True);
            Assert.That(result.Details.Select(d => (d.RimIndex, d.SpdmBlockIndex, d.MatchedAlternative)), Is.EqualTo(expected));
            Assert.That(result.MismatchedRimIndices, Is.Empty);
            Assert.That(result.SkippedRimIndices, Is.Empty);
        });
    }

    [Test]
    public void Compare_ReportNvdec0Status_Index35SkippedOthersMatch()
    {
        // The sample's opaque field 11 is 0x55 (NVDEC0 disabled): NVIDIA's verifier does not compare RIM index 35 then.
        Assert.That(RimTestData.Nvdec0Status, Is.EqualTo(RimMeasurementComparer.Nvdec0Disabled));

        var result = RimMeasurementComparer.Compare(Driver, Vbios, RimTestData.SpdmMeasurements(), RimTestData.Nvdec0Status);

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(RimComparisonStatus.Match), result.Reason);
            Assert.That(result.SkippedRimIndices, Is.EqualTo(new[] { 35 }));
            Assert.That(result.Details.Count(d => d.Outcome == RimIndexOutcome.Matched), Is.EqualTo(32));
        });
    }

    [Test]
    public void Compare_Nvdec0Disabled_WrongIndex35ValueIsNotReported()
    {
        var spdm = RimTestData.SpdmMeasurements();
        spdm[36] = new byte[48];

        var disabled = RimMeasurementComparer.Compare(Driver, Vbios, spdm, RimMeasurementComparer.Nvdec0Disabled);
        var enabled = RimMeasurementComparer.Compare(Driver, Vbios, spdm, RimMeasurementComparer.Nvdec0Enabled);

        Assert.Multiple(() =>
        {
            Assert.That(disabled.Status, Is.EqualTo(RimComparisonStatus.Match));
            Assert.That(enabled.Status, Is.EqualTo(RimComparisonStatus.Mismatch));
            Assert.That(enabled.MismatchedRimIndices, Is.EqualTo(new[] { 35 }));
        });
    }

    [TestCase(7, "driver")]
    [TestCase(12, "vbios")]
    [TestCase(23, "driver")]
    public void Compare_ChangedGoldenValue_MismatchReportsTheRimIndex(int index, string source)
    {
        var driverXml = RimTestData.DriverXml;
        var vbiosXml = RimTestData.VbiosXml;
        ref var xml = ref source == "driver" ? ref driverXml : ref vbiosXml;
        var resource = RimXmlEdit.Resource(xml, index);
        var changed = System.Text.RegularExpressions.Regex.Replace(resource, "(Hash\\d=\")([0-9a-f])", m => m.Groups[1].Value + (m.Groups[2].Value == "f" ? "e" : "f"));
        xml = RimXmlEdit.ReplaceOnce(xml, resource, changed);
        var driver = ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(driverXml), RimTestData.DriverId);
        var vbios = ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(vbiosXml), RimTestData.VbiosId);

        var result = RimMeasurementComparer.Compare(driver, vbios, RimTestData.SpdmMeasurements(), RimMeasurementComparer.Nvdec0Enabled);

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(RimComparisonStatus.Mismatch));
            Assert.That(result.IsMatch, Is.False);
            Assert.That(result.MismatchedRimIndices, Is.EqualTo(new[] { index }));
            Assert.That(result.Details.Single(d => d.RimIndex == index).Outcome, Is.EqualTo(RimIndexOutcome.Mismatched));
            Assert.That(result.Reason, Does.Contain($"{index} ({(source == "driver" ? RimKind.Driver : RimKind.Vbios)}, SPDM block {index + 1})"));
        });
    }

    [Test]
    public void Compare_ChangedRuntimeValue_MismatchReportsTheRimIndex()
    {
        var spdm = RimTestData.SpdmMeasurements();
        var value = spdm[1].ToArray();
        value[47] ^= 0x80;
        spdm[1] = value;

        var result = RimMeasurementComparer.Compare(Driver, Vbios, spdm, RimMeasurementComparer.Nvdec0Enabled);

        Assert.Multiple(() =>
        {
            Assert.That(result.MismatchedRimIndices, Is.EqualTo(new[] { 0 }));
            Assert.That(result.Details[0].RuntimeValueHex, Is.EqualTo(Convert.ToHexStringLower(value)));
        });
    }

    [Test]
    public void Compare_ActiveGoldenIndexWithoutSpdmBlock_IsAMismatch()
    {
        var spdm = RimTestData.SpdmMeasurements();
        spdm.Remove(22);

        var result = RimMeasurementComparer.Compare(Driver, Vbios, spdm, RimMeasurementComparer.Nvdec0Enabled);

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(RimComparisonStatus.Mismatch));
            Assert.That(result.MismatchedRimIndices, Is.EqualTo(new[] { 21 }));
            Assert.That(result.Details.Single(d => d.RimIndex == 21).Outcome, Is.EqualTo(RimIndexOutcome.MissingBlock));
            Assert.That(result.Reason, Does.Contain("no SPDM block 22"));
        });
    }

    [Test]
    public void Compare_NoSpdmBlocksAtAll_EveryIndexMismatches()
    {
        var result = RimMeasurementComparer.Compare(Driver, Vbios, new Dictionary<int, ReadOnlyMemory<byte>>(), RimMeasurementComparer.Nvdec0Enabled);

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(RimComparisonStatus.Mismatch));
            Assert.That(result.MismatchedRimIndices, Has.Count.EqualTo(33));
        });
    }

    [Test]
    public void Compare_IndexActiveInBothRims_IsAnError()
    {
        var xml = RimTestData.VbiosXml;
        var resource = RimXmlEdit.Resource(xml, 7);
        var vbios = ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(RimXmlEdit.ReplaceOnce(xml, resource, resource.Replace("active=\"False\"", "active=\"True\"", StringComparison.Ordinal))), RimTestData.VbiosId);

        var result = RimMeasurementComparer.Compare(Driver, vbios, RimTestData.SpdmMeasurements(), RimMeasurementComparer.Nvdec0Enabled);

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(RimComparisonStatus.Error));
            Assert.That(result.IsMatch, Is.False);
            Assert.That(result.ConflictingRimIndices, Is.EqualTo(new[] { 7 }));
            Assert.That(result.Reason, Does.Contain("active in both"));
        });
    }

    [Test]
    public void Compare_MissingRim_IsUnavailableNeverAPass()
    {
        var spdm = RimTestData.SpdmMeasurements();

        var noDriver = RimMeasurementComparer.Compare(null, Vbios, spdm, RimMeasurementComparer.Nvdec0Enabled);
        var noVbios = RimMeasurementComparer.Compare(Driver, null, spdm, RimMeasurementComparer.Nvdec0Enabled);
        var neither = RimMeasurementComparer.Compare(null, null, spdm, RimMeasurementComparer.Nvdec0Enabled);

        Assert.Multiple(() =>
        {
            Assert.That(new[] { noDriver, noVbios, neither }.Select(r => r.Status), Is.All.EqualTo(RimComparisonStatus.Unavailable));
            Assert.That(new[] { noDriver, noVbios, neither }.Any(r => r.IsMatch), Is.False);
            Assert.That(noDriver.Reason, Does.Contain("driver RIM"));
            Assert.That(noVbios.Reason, Does.Contain("VBIOS RIM"));
        });
    }

    [TestCase((byte)0x00)]
    [TestCase((byte)0xFF)]
    [TestCase(null)]
    public void Compare_UnknownOrMissingNvdec0Status_IsAnError(byte? status)
    {
        var result = RimMeasurementComparer.Compare(Driver, Vbios, RimTestData.SpdmMeasurements(), status);

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(RimComparisonStatus.Error));
            Assert.That(result.Reason, Does.Contain("NVDEC0"));
        });
    }

    [Test]
    public void Compare_RimsSwapped_Throws()
    {
        Assert.Throws<ArgumentException>(() => RimMeasurementComparer.Compare(Vbios, Driver, RimTestData.SpdmMeasurements(), RimMeasurementComparer.Nvdec0Enabled));
    }
}
