using System.Security.Cryptography;
using System.Text.Json;
using PhalaWorker.Attestation.Gpu.Spdm;

namespace PhalaWorker.Attestation.Tests.Gpu;

public sealed class GpuAttestationReportParserTests
{
    private static int Hex(JsonElement e) => Convert.ToInt32(e.GetString()![2..], 16);

    [Test]
    public void Parse_RealH100Report_EveryFieldEqualsExpectedJson()
    {
        var expected = GpuTestData.Expected;
        var bytes = GpuTestData.Report;

        var report = GpuAttestationReportParser.Parse(bytes);

        var request = expected.GetProperty("request");
        var response = expected.GetProperty("response");
        var decoded = expected.GetProperty("decoded");
        Assert.Multiple(() =>
        {
            Assert.That(report.Length, Is.EqualTo(expected.GetProperty("report_length").GetInt32()));
            Assert.That(report.Request.SpdmVersion, Is.EqualTo(Hex(request.GetProperty("spdm_version"))));
            Assert.That(report.Request.RequestCode, Is.EqualTo(Hex(request.GetProperty("code"))));
            Assert.That(report.Request.Param1, Is.EqualTo(Hex(request.GetProperty("param1"))));
            Assert.That(report.Request.Param2, Is.EqualTo(Hex(request.GetProperty("param2"))));
            Assert.That(request.GetProperty("nonce_offset").GetInt32(), Is.EqualTo(SpdmMeasurementRequest.NonceOffset));
            Assert.That(Convert.ToHexStringLower(report.Request.Nonce), Is.EqualTo(request.GetProperty("nonce").GetString()));
            Assert.That(report.Request.SlotId, Is.EqualTo(request.GetProperty("slot_id").GetInt32()));
            Assert.That(request.GetProperty("length").GetInt32(), Is.EqualTo(SpdmMeasurementRequest.Size));
            Assert.That(response.GetProperty("offset_in_report").GetInt32(), Is.EqualTo(SpdmMeasurementRequest.Size));

            var header = new[] { report.Response.SpdmVersion, report.Response.ResponseCode, report.Response.Param1, report.Response.Param2 };
            Assert.That(Convert.ToHexStringLower(header), Is.EqualTo(response.GetProperty("header_hex").GetString()));
            Assert.That(report.Response.NumberOfBlocks, Is.EqualTo(response.GetProperty("number_of_blocks").GetInt32()));
            Assert.That(report.Response.Blocks, Has.Count.EqualTo(response.GetProperty("number_of_blocks").GetInt32()));
            Assert.That(report.Response.MeasurementRecordLength, Is.EqualTo(response.GetProperty("measurement_record_length").GetInt32()));
            Assert.That(Convert.ToHexStringLower(report.Response.ResponderNonce), Is.EqualTo(response.GetProperty("responder_nonce").GetString()));
            Assert.That(report.Response.OpaqueLength, Is.EqualTo(response.GetProperty("opaque_length").GetInt32()));
            Assert.That(report.SignedLength, Is.EqualTo(response.GetProperty("signature_offset_in_report").GetInt32()));
            Assert.That(report.Response.Signature, Has.Length.EqualTo(response.GetProperty("signature_length").GetInt32()));
            Assert.That(Convert.ToHexStringLower(report.Response.Signature[..48]), Is.EqualTo(response.GetProperty("signature_r_hex").GetString()));
            Assert.That(Convert.ToHexStringLower(report.Response.Signature[48..]), Is.EqualTo(response.GetProperty("signature_s_hex").GetString()));
            Assert.That(Convert.ToHexStringLower(SHA384.HashData(bytes.AsSpan(0, report.SignedLength))), Is.EqualTo(expected.GetProperty("signed_bytes").GetProperty("sha384").GetString()));

            var blocks = expected.GetProperty("measurement_blocks").EnumerateArray().ToList();
            Assert.That(report.Response.Blocks, Has.Count.EqualTo(blocks.Count));
            for (var i = 0; i < blocks.Count; i++)
            {
                var block = report.Response.Blocks[i];
                Assert.That(block.Index, Is.EqualTo(blocks[i].GetProperty("index").GetInt32()), $"block {i} index");
                Assert.That(block.MeasurementSpecification, Is.EqualTo(blocks[i].GetProperty("measurement_specification").GetInt32()), $"block {i} spec");
                Assert.That(block.MeasurementSize, Is.EqualTo(blocks[i].GetProperty("measurement_size").GetInt32()), $"block {i} size");
                Assert.That(block.DmtfValueType, Is.EqualTo(blocks[i].GetProperty("dmtf_value_type").GetInt32()), $"block {i} value type");
                Assert.That(block.DmtfValueSize, Is.EqualTo(blocks[i].GetProperty("dmtf_value_size").GetInt32()), $"block {i} value size");
                Assert.That(Convert.ToHexStringLower(block.Value), Is.EqualTo(blocks[i].GetProperty("value").GetString()), $"block {i} value");
            }

            var fields = expected.GetProperty("opaque_fields").EnumerateArray().ToList();
            Assert.That(report.Response.OpaqueFields, Has.Count.EqualTo(fields.Count));
            for (var i = 0; i < fields.Count; i++)
            {
                var field = report.Response.OpaqueFields[i];
                Assert.That((int)field.Type, Is.EqualTo(fields[i].GetProperty("type").GetInt32()), $"opaque {i} type");
                Assert.That(field.Name, Is.EqualTo(fields[i].GetProperty("name").GetString()), $"opaque {i} name");
                Assert.That(field.Value, Has.Length.EqualTo(fields[i].GetProperty("length").GetInt32()), $"opaque {i} length");
                Assert.That(Convert.ToHexStringLower(field.Value), Is.EqualTo(fields[i].GetProperty("hex").GetString()), $"opaque {i} value");
            }

            Assert.That(report.DriverVersion, Is.EqualTo(decoded.GetProperty("driver_version").GetString()));
            Assert.That(report.VbiosVersion, Is.EqualTo(decoded.GetProperty("vbios_version").GetString()));
            Assert.That(report.Project, Is.EqualTo(decoded.GetProperty("project").GetString()));
            Assert.That(report.ProjectSku, Is.EqualTo(decoded.GetProperty("project_sku").GetString()));
            Assert.That(report.ChipSku, Is.EqualTo(decoded.GetProperty("chip_sku").GetString()));
            Assert.That(Convert.ToHexStringLower([report.Nvdec0Status!.Value]), Is.EqualTo(decoded.GetProperty("nvdec0_status_hex").GetString()));
            Assert.That(Convert.ToHexStringLower(report.Fwid!), Is.EqualTo(decoded.GetProperty("fwid_hex").GetString()));
            Assert.That(report.DriverRimId("HOPPER"), Is.EqualTo(decoded.GetProperty("driver_rim_id").GetString()));
            Assert.That(report.VbiosRimId, Is.EqualTo(decoded.GetProperty("vbios_rim_id").GetString()));
            Assert.That(report.OpaqueDataVersion, Is.Zero, "no OPAQUE_DATA_VERSION field: version 0");
            Assert.That(report.FeatureFlag, Is.Null, "no feature flag in a version-0 report");
            Assert.That(report.ProtectedPcieStatus, Is.EqualTo(0x55));
        });
    }

    [Test]
    public void Parse_HexFileBytes_EqualBinary()
    {
        var hex = Convert.FromHexString(File.ReadAllText(GpuTestData.PathOf("attestation_report.hex")).Trim());

        Assert.That(hex, Is.EqualTo(GpuTestData.Report));
    }

    [TestCase(0, 0x12, "request.spdmVersion")]
    [TestCase(1, 0xE1, "request.requestCode")]
    [TestCase(2, 0x00, "request.param1")]
    [TestCase(37, 0x10, "response.spdmVersion")]
    [TestCase(38, 0x61, "response.responseCode")]
    [TestCase(42, 0xFF, "response.measurementRecordLength")]
    [TestCase(41, 63, "response.measurementRecordLength")]
    [TestCase(46, 0x00, "response.measurementRecord.block[0].measurementSpecification")]
    [TestCase(47, 0x02, "response.measurementRecord.block[0].measurementSize")]
    [TestCase(50, 0x31, "response.measurementRecord.block[0].dmtfValueSize")]
    public void Parse_CorruptedField_NamesTheField(int offset, int value, string field)
    {
        var bytes = GpuTestData.Report;
        bytes[offset] = (byte)value;

        var ex = Assert.Throws<GpuEvidenceFormatException>(() => GpuAttestationReportParser.Parse(bytes));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Field, Is.EqualTo(field));
            Assert.That(ex.Reason, Is.EqualTo(AttestationErrorReason.GpuEvidenceFormat));
        });
    }

    [Test]
    public void Parse_OpaqueLengthTooLarge_NamesOpaqueLength()
    {
        var bytes = GpuTestData.Report;
        var opaqueLengthOffset = 37 + 8 + 3520 + 32;
        bytes[opaqueLengthOffset] = 0xFF;
        bytes[opaqueLengthOffset + 1] = 0x0F;

        var ex = Assert.Throws<GpuEvidenceFormatException>(() => GpuAttestationReportParser.Parse(bytes));

        Assert.That(ex!.Field, Is.EqualTo("response.opaqueLength"));
    }

    [Test]
    public void Parse_VbiosFieldWrongLength_NamesOpaqueFieldLength()
    {
        var bytes = GpuTestData.Report;
        var firstOpaque = 37 + 8 + 3520 + 32 + 2;
        bytes[firstOpaque + 2] = 7; // VBIOS version field is 8 bytes

        var ex = Assert.Throws<GpuEvidenceFormatException>(() => GpuAttestationReportParser.Parse(bytes));

        Assert.That(ex!.Field, Is.EqualTo("response.opaqueData.field[0].length"));
    }

    [TestCase(0)]
    [TestCase(36)]
    [TestCase(40)]
    [TestCase(4000)]
    [TestCase(4116)]
    public void Parse_Truncated_ThrowsFormatException(int length)
    {
        var bytes = GpuTestData.Report[..length];

        Assert.Throws<GpuEvidenceFormatException>(() => GpuAttestationReportParser.Parse(bytes));
    }

    [Test]
    public void Parse_TrailingByte_NamesSignature()
    {
        var bytes = GpuTestData.Report.Append((byte)0).ToArray();

        var ex = Assert.Throws<GpuEvidenceFormatException>(() => GpuAttestationReportParser.Parse(bytes));

        Assert.That(ex!.Field, Is.EqualTo("response.signature"));
    }

    [Test]
    public void FormatVbios_NvidiaLayout_MatchesNvml()
    {
        Assert.That(GpuAttestationReport.FormatVbios(Convert.FromHexString("009f009601000000")), Is.EqualTo("96.00.9f.00.01"));
    }
}
