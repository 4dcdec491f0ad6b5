using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PhalaWorker.Attestation.Gpu.Spdm;

/// <summary>
/// A decoded NVIDIA GPU attestation report as NVML returns it: the SPDM GET_MEASUREMENTS request followed by the signed
/// MEASUREMENTS response. The signature covers <c>[0, <see cref="SignedLength"/>)</c> = request ‖ response without its
/// final 96 bytes. Opaque fields are decoded the way NVIDIA's verifier formats them.
/// </summary>
public sealed record GpuAttestationReport
{
    /// <summary>The request (bytes 0..36).</summary>
    public required SpdmMeasurementRequest Request { get; init; }

    /// <summary>The response (bytes 37..end).</summary>
    public required SpdmMeasurementResponse Response { get; init; }

    /// <summary>Total report length.</summary>
    public required int Length { get; init; }

    /// <summary>Bytes covered by the signature (report length − 96).</summary>
    public int SignedLength => Length - SpdmMeasurementResponse.SignatureSize;

    /// <summary>Driver version from the opaque data (NUL-terminated ASCII), or null.</summary>
    public string? DriverVersion => Ascii(OpaqueFieldId.DriverVersion);

    /// <summary>VBIOS version formatted like NVML (<c>96.00.9f.00.01</c>), or null.</summary>
    public string? VbiosVersion => Response.Find(OpaqueFieldId.VbiosVersion) is { Value.Length: 8 } vbios ? FormatVbios(vbios.Value) : null;

    public string? Project => Ascii(OpaqueFieldId.Project);

    public string? ProjectSku => Ascii(OpaqueFieldId.ProjectSku);

    public string? ChipSku => Ascii(OpaqueFieldId.ChipSku);

    /// <summary>FWID (opaque field 20), or null when the report has none.</summary>
    public byte[]? Fwid => Response.Find(OpaqueFieldId.Fwid)?.Value;

    /// <summary>NVDEC0 status byte, or null.</summary>
    public byte? Nvdec0Status => SingleByte(OpaqueFieldId.Nvdec0Status);

    /// <summary>Protected PCIe status byte, or null.</summary>
    public byte? ProtectedPcieStatus => SingleByte(OpaqueFieldId.ProtectedPcieStatus);

    /// <summary>OPAQUE_DATA_VERSION as a little-endian integer; 0 when the field is absent (older drivers).</summary>
    public uint OpaqueDataVersion => Response.Find(OpaqueFieldId.OpaqueDataVersion) is { } version ? LittleEndian(version.Value) : 0;

    /// <summary>The feature flag (0 SPT, 1 MPT, 2 PPCIe), or null when absent (legacy reports: single-GPU passthrough).</summary>
    public byte? FeatureFlag => SingleByte(OpaqueFieldId.FeatureFlag);

    /// <summary>The driver RIM id NVIDIA publishes for this report, e.g. <c>NV_GPU_DRIVER_GH100_550.90.07</c>.</summary>
    /// <param name="arch">GPU architecture as in the evidence (<c>HOPPER</c>, <c>BLACKWELL</c>).</param>
    public string? DriverRimId(string arch) => DriverVersion is { } version && ChipFamily(arch) is { } chip ? $"NV_GPU_DRIVER_{chip}_{version}" : null;

    /// <summary>The VBIOS RIM id, e.g. <c>NV_GPU_VBIOS_1010_0200_882_96009F0001</c> (project, project SKU, chip SKU, VBIOS without dots).</summary>
    public string? VbiosRimId => Project is { } project && ProjectSku is { } sku && ChipSku is { } chipSku && VbiosVersion is { } vbios
        ? $"NV_GPU_VBIOS_{project}_{sku}_{chipSku}_{vbios.Replace(".", string.Empty, StringComparison.Ordinal).ToUpperInvariant()}"
        : null;

    /// <summary>The chip family used in driver RIM ids: HOPPER → GH100, BLACKWELL → GB100.</summary>
    public static string? ChipFamily(string arch) => arch.ToUpperInvariant() switch
    {
        "HOPPER" => "GH100",
        "BLACKWELL" => "GB100",
        _ => null,
    };

    /// <summary>NVIDIA's VBIOS formatting: the 8 bytes read as a little-endian u64, hex, low 4 bytes as <c>aa.bb.cc.dd</c> then byte 4.</summary>
    public static string FormatVbios(ReadOnlySpan<byte> value)
    {
        var number = BinaryPrimitives.ReadUInt64LittleEndian(value);
        var low = (uint)number;
        var high = (byte)(number >> 32);
        return string.Create(CultureInfo.InvariantCulture, $"{low >> 24:x2}.{(low >> 16) & 0xff:x2}.{(low >> 8) & 0xff:x2}.{low & 0xff:x2}.{high:x2}");
    }

    private string? Ascii(OpaqueFieldId type)
    {
        if (Response.Find(type) is not { } field)
        {
            return null;
        }

        var end = Array.IndexOf(field.Value, (byte)0);
        return Encoding.ASCII.GetString(field.Value, 0, end < 0 ? field.Value.Length : end);
    }

    private byte? SingleByte(OpaqueFieldId type) => Response.Find(type) is { Value.Length: >= 1 } field ? field.Value[0] : null;

    private static uint LittleEndian(byte[] value)
    {
        uint result = 0;
        for (var i = Math.Min(value.Length, 4) - 1; i >= 0; i--)
        {
            result = (result << 8) | value[i];
        }

        return result;
    }
}
