namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>Which firmware a Reference Integrity Manifest describes. The driver RIM and the VBIOS RIM together cover every SPDM measurement.</summary>
public enum RimKind
{
    /// <summary>The GPU driver (GSP firmware and driver-loaded microcode), id <c>NV_GPU_DRIVER_&lt;chip&gt;_&lt;version&gt;</c>.</summary>
    Driver,

    /// <summary>The VBIOS, id <c>NV_GPU_VBIOS_&lt;project&gt;_&lt;project sku&gt;_&lt;chip sku&gt;_&lt;version without dots&gt;</c>.</summary>
    Vbios,
}
