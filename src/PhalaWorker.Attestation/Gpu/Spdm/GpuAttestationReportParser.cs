using System.Buffers.Binary;

namespace PhalaWorker.Attestation.Gpu.Spdm;

/// <summary>
/// Decodes an NVIDIA GPU attestation report (SPDM 1.1 GET_MEASUREMENTS request ‖ MEASUREMENTS response) over a span.
/// Every length field is bounded by the input and must be consistent: the blocks fill the measurement record exactly,
/// each DMTF value fills its block, the opaque TLVs fill the opaque data exactly, and exactly the 96-byte P-384
/// signature follows. Anything else throws <see cref="GpuEvidenceFormatException"/> naming the field.
/// </summary>
public static class GpuAttestationReportParser
{
    /// <summary>SPDM version 1.1, the version NVIDIA GPUs speak.</summary>
    public const byte SpdmVersion11 = 0x11;

    /// <summary>GET_MEASUREMENTS request code.</summary>
    public const byte GetMeasurementsCode = 0xE0;

    /// <summary>MEASUREMENTS response code.</summary>
    public const byte MeasurementsCode = 0x60;

    /// <summary>Largest report accepted (NVIDIA reports are about 4 KiB; this bounds hostile input).</summary>
    public const int MaxReportSize = 1 << 20;

    private const int ResponseHeaderSize = 8; // version, code, param1, param2, NumberOfBlocks, 24-bit record length
    private const int NonceSize = 32;

    public static GpuAttestationReport Parse(ReadOnlySpan<byte> report)
    {
        if (report.Length > MaxReportSize)
        {
            throw new GpuEvidenceFormatException("report", $"report is {report.Length} bytes, more than the {MaxReportSize}-byte limit");
        }

        var request = ParseRequest(report);
        var response = ParseResponse(report[SpdmMeasurementRequest.Size..], SpdmMeasurementRequest.Size);
        if (response.SpdmVersion != request.SpdmVersion)
        {
            throw new GpuEvidenceFormatException("response.spdmVersion", $"response SPDM version 0x{response.SpdmVersion:x2} differs from the request's 0x{request.SpdmVersion:x2}", SpdmMeasurementRequest.Size);
        }

        return new GpuAttestationReport { Request = request, Response = response, Length = report.Length };
    }

    public static bool TryParse(ReadOnlySpan<byte> report, out GpuAttestationReport? parsed)
    {
        try
        {
            parsed = Parse(report);
            return true;
        }
        catch (GpuEvidenceFormatException)
        {
            parsed = null;
            return false;
        }
    }

    private static SpdmMeasurementRequest ParseRequest(ReadOnlySpan<byte> report)
    {
        if (report.Length < SpdmMeasurementRequest.Size)
        {
            throw new GpuEvidenceFormatException("request", $"report is {report.Length} bytes, shorter than the {SpdmMeasurementRequest.Size}-byte GET_MEASUREMENTS request", 0);
        }

        if (report[0] != SpdmVersion11)
        {
            throw new GpuEvidenceFormatException("request.spdmVersion", $"SPDM version 0x{report[0]:x2} is not 1.1 (0x11)", 0);
        }

        if (report[1] != GetMeasurementsCode)
        {
            throw new GpuEvidenceFormatException("request.requestCode", $"request code 0x{report[1]:x2} is not GET_MEASUREMENTS (0xe0)", 1);
        }

        if ((report[2] & 1) == 0)
        {
            throw new GpuEvidenceFormatException("request.param1", $"param1 0x{report[2]:x2} does not request a signature", 2);
        }

        return new SpdmMeasurementRequest
        {
            SpdmVersion = report[0],
            RequestCode = report[1],
            Param1 = report[2],
            Param2 = report[3],
            Nonce = report.Slice(SpdmMeasurementRequest.NonceOffset, NonceSize).ToArray(),
            SlotId = report[SpdmMeasurementRequest.Size - 1],
        };
    }

    private static SpdmMeasurementResponse ParseResponse(ReadOnlySpan<byte> response, int baseOffset)
    {
        if (response.Length < ResponseHeaderSize)
        {
            throw new GpuEvidenceFormatException("response.header", $"response is {response.Length} bytes, shorter than its {ResponseHeaderSize}-byte header", baseOffset);
        }

        if (response[0] != SpdmVersion11)
        {
            throw new GpuEvidenceFormatException("response.spdmVersion", $"SPDM version 0x{response[0]:x2} is not 1.1 (0x11)", baseOffset);
        }

        if (response[1] != MeasurementsCode)
        {
            throw new GpuEvidenceFormatException("response.responseCode", $"response code 0x{response[1]:x2} is not MEASUREMENTS (0x60)", baseOffset + 1);
        }

        var numberOfBlocks = response[4];
        var recordLength = response[5] | (response[6] << 8) | (response[7] << 16);
        var offset = ResponseHeaderSize;
        if (recordLength > response.Length - offset)
        {
            throw new GpuEvidenceFormatException("response.measurementRecordLength", $"measurement record length {recordLength} exceeds the {response.Length - offset} bytes left", baseOffset + 5);
        }

        var blocks = ParseBlocks(response.Slice(offset, recordLength), numberOfBlocks, baseOffset + offset);
        offset += recordLength;

        if (response.Length - offset < NonceSize)
        {
            throw new GpuEvidenceFormatException("response.nonce", $"{response.Length - offset} bytes left, the 32-byte responder nonce does not fit", baseOffset + offset);
        }

        var nonce = response.Slice(offset, NonceSize).ToArray();
        offset += NonceSize;

        if (response.Length - offset < 2)
        {
            throw new GpuEvidenceFormatException("response.opaqueLength", "truncated before the opaque data length", baseOffset + offset);
        }

        var opaqueLength = BinaryPrimitives.ReadUInt16LittleEndian(response[offset..]);
        offset += 2;
        if (opaqueLength > response.Length - offset)
        {
            throw new GpuEvidenceFormatException("response.opaqueLength", $"opaque data length {opaqueLength} exceeds the {response.Length - offset} bytes left", baseOffset + offset - 2);
        }

        var opaque = ParseOpaque(response.Slice(offset, opaqueLength), baseOffset + offset);
        offset += opaqueLength;

        var left = response.Length - offset;
        if (left != SpdmMeasurementResponse.SignatureSize)
        {
            throw new GpuEvidenceFormatException("response.signature", $"{left} bytes follow the opaque data; exactly the {SpdmMeasurementResponse.SignatureSize}-byte ECDSA P-384 signature must", baseOffset + offset);
        }

        return new SpdmMeasurementResponse
        {
            SpdmVersion = response[0],
            ResponseCode = response[1],
            Param1 = response[2],
            Param2 = response[3],
            NumberOfBlocks = numberOfBlocks,
            MeasurementRecordLength = recordLength,
            Blocks = blocks,
            ResponderNonce = nonce,
            OpaqueLength = opaqueLength,
            OpaqueFields = opaque,
            Signature = response[offset..].ToArray(),
        };
    }

    private static List<SpdmMeasurementBlock> ParseBlocks(ReadOnlySpan<byte> record, int count, int baseOffset)
    {
        var blocks = new List<SpdmMeasurementBlock>(count);
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            var field = $"response.measurementRecord.block[{i}]";
            if (record.Length - offset < 4)
            {
                throw new GpuEvidenceFormatException(field, $"record ends after {blocks.Count} of {count} blocks", baseOffset + offset);
            }

            var index = record[offset];
            var specification = record[offset + 1];
            var size = BinaryPrimitives.ReadUInt16LittleEndian(record[(offset + 2)..]);
            if (size > record.Length - offset - 4)
            {
                throw new GpuEvidenceFormatException(field + ".measurementSize", $"measurement size {size} exceeds the {record.Length - offset - 4} bytes left in the record", baseOffset + offset + 2);
            }

            if ((specification & 1) == 0)
            {
                throw new GpuEvidenceFormatException(field + ".measurementSpecification", $"measurement specification 0x{specification:x2} is not DMTF", baseOffset + offset + 1);
            }

            var measurement = record.Slice(offset + 4, size);
            if (measurement.Length < 3)
            {
                throw new GpuEvidenceFormatException(field + ".measurementSize", $"measurement size {size} is too small for a DMTF measurement (3-byte header)", baseOffset + offset + 2);
            }

            var valueSize = BinaryPrimitives.ReadUInt16LittleEndian(measurement[1..]);
            if (valueSize != measurement.Length - 3)
            {
                throw new GpuEvidenceFormatException(field + ".dmtfValueSize", $"DMTF value size {valueSize} does not fill the {measurement.Length - 3} bytes of the measurement", baseOffset + offset + 5);
            }

            blocks.Add(new SpdmMeasurementBlock
            {
                Index = index,
                MeasurementSpecification = specification,
                MeasurementSize = size,
                DmtfValueType = measurement[0],
                DmtfValueSize = valueSize,
                Value = measurement[3..].ToArray(),
            });
            offset += 4 + size;
        }

        if (offset != record.Length)
        {
            throw new GpuEvidenceFormatException("response.measurementRecordLength", $"{count} blocks take {offset} bytes but the record length is {record.Length}", baseOffset + offset);
        }

        return blocks;
    }

    private static List<OpaqueField> ParseOpaque(ReadOnlySpan<byte> opaque, int baseOffset)
    {
        var fields = new List<OpaqueField>();
        var offset = 0;
        while (offset < opaque.Length)
        {
            var field = $"response.opaqueData.field[{fields.Count}]";
            if (opaque.Length - offset < 4)
            {
                throw new GpuEvidenceFormatException(field, $"{opaque.Length - offset} bytes left, too few for a type and length", baseOffset + offset);
            }

            var type = BinaryPrimitives.ReadUInt16LittleEndian(opaque[offset..]);
            var length = BinaryPrimitives.ReadUInt16LittleEndian(opaque[(offset + 2)..]);
            if (length > opaque.Length - offset - 4)
            {
                throw new GpuEvidenceFormatException(field + ".length", $"type {type} length {length} exceeds the {opaque.Length - offset - 4} bytes left in the opaque data", baseOffset + offset + 2);
            }

            var id = (OpaqueFieldId)type;
            if (ExpectedLength(id) is { } expected && length != expected)
            {
                throw new GpuEvidenceFormatException(field + ".length", $"{new OpaqueField(id, []).Name} is {length} bytes, not {expected}", baseOffset + offset + 2);
            }

            if (fields.Exists(f => f.Type == id))
            {
                throw new GpuEvidenceFormatException(field + ".type", $"{new OpaqueField(id, []).Name} appears twice", baseOffset + offset);
            }

            fields.Add(new OpaqueField(id, opaque.Slice(offset + 4, length).ToArray()));
            offset += 4 + length;
        }

        return fields;
    }

    /// <summary>Fields the verifier interprets have a fixed size; a different one is malformed, not "absent".</summary>
    private static int? ExpectedLength(OpaqueFieldId id) => id switch
    {
        OpaqueFieldId.VbiosVersion => 8,
        OpaqueFieldId.Fwid => 48,
        OpaqueFieldId.Nvdec0Status or OpaqueFieldId.ProtectedPcieStatus or OpaqueFieldId.FeatureFlag => 1,
        _ => null,
    };
}
