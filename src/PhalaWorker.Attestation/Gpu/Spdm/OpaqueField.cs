namespace PhalaWorker.Attestation.Gpu.Spdm;

/// <summary>One opaque-data TLV of the response, in report order. <see cref="Type"/> may be a value <see cref="OpaqueFieldId"/> does not name.</summary>
/// <param name="Type">The field type.</param>
/// <param name="Value">The field bytes.</param>
public sealed record OpaqueField(OpaqueFieldId Type, byte[] Value)
{
    /// <summary>NVIDIA's name for the type (<c>OPAQUE_FIELD_ID_FWID</c>), or <c>OPAQUE_FIELD_ID_UNKNOWN_n</c>.</summary>
    public string Name => Enum.IsDefined(Type) ? "OPAQUE_FIELD_ID_" + SnakeCase(Type.ToString()) : $"OPAQUE_FIELD_ID_UNKNOWN_{(ushort)Type}";

    private static string SnakeCase(string name) => name switch
    {
        nameof(OpaqueFieldId.Nvdec0Status) => "NVDEC0_STATUS",
        nameof(OpaqueFieldId.MsrsCnt) => "MSRSCNT",
        nameof(OpaqueFieldId.CprInfo) => "CPRINFO",
        nameof(OpaqueFieldId.Fwid) => "FWID",
        nameof(OpaqueFieldId.Smc) => "SMC",
        nameof(OpaqueFieldId.Vpr) => "VPR",
        nameof(OpaqueFieldId.Sku) => "SKU",
        nameof(OpaqueFieldId.SwitchPdi) => "SWITCH_PDI",
        nameof(OpaqueFieldId.ProtectedPcieStatus) => "PROTECTED_PCIE_STATUS",
        nameof(OpaqueFieldId.GpuLinkConnection) => "GPU_LINK_CONN",
        _ => string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString())),
    };
}
