namespace PhalaWorker.Attestation.Gpu.Spdm;

/// <summary>The NVIDIA opaque-data field types of a GET_MEASUREMENTS response (little-endian u16 type, u16 length, value).</summary>
public enum OpaqueFieldId : ushort
{
    CertIssuerName = 1,
    CertAuthorityKeyIdentifier = 2,

    /// <summary>NUL-terminated ASCII driver version, e.g. <c>550.90.07</c>.</summary>
    DriverVersion = 3,
    GpuInfo = 4,
    Sku = 5,

    /// <summary>VBIOS version, 8 bytes little-endian (formatted <c>96.00.9f.00.01</c>).</summary>
    VbiosVersion = 6,
    ManufacturerId = 7,
    TamperDetection = 8,
    Smc = 9,
    Vpr = 10,

    /// <summary>NVDEC0 status byte.</summary>
    Nvdec0Status = 11,

    /// <summary>Per-measurement counts (u32 each).</summary>
    MsrsCnt = 12,
    CprInfo = 13,
    BoardId = 14,

    /// <summary>NUL-padded ASCII chip SKU, e.g. <c>882</c>.</summary>
    ChipSku = 15,
    ChipSkuMod = 16,

    /// <summary>NUL-padded ASCII project, e.g. <c>1010</c>.</summary>
    Project = 17,

    /// <summary>NUL-padded ASCII project SKU, e.g. <c>0200</c>.</summary>
    ProjectSku = 18,
    ProjectSkuMod = 19,

    /// <summary>The firmware id (48 bytes) that the device leaf certificate's TCG DICE FWID extension must end with.</summary>
    Fwid = 20,

    /// <summary>Protected PCIe (PPCIe) status byte.</summary>
    ProtectedPcieStatus = 21,
    SwitchPdi = 22,
    FloorsweptPorts = 23,
    PositionId = 24,
    LockSwitchStatus = 25,
    GpuLinkConnection = 32,
    SysEnableStatus = 33,

    /// <summary>Opaque data layout version (absent on older drivers: version 0, no feature flag).</summary>
    OpaqueDataVersion = 34,
    ChipInfo = 35,

    /// <summary>Multi-GPU mode of this report: 0 = SPT (single GPU passthrough), 1 = MPT (multi-GPU), 2 = PPCIe.</summary>
    FeatureFlag = 36,
    Invalid = 255,
}
