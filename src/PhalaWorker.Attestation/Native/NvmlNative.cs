using System.Runtime.InteropServices;

namespace PhalaWorker.Attestation.Native;

/// <summary>
/// The NVML C ABI subset PhalaWorker uses (nvml.h, driver r550+): return codes, confidential-computing constants and the
/// struct layouts of <c>nvmlDeviceGetConfComputeGpuAttestationReport</c> / <c>…GpuCertificate</c> /
/// <c>nvmlSystemGetConfComputeState</c> / <c>…Settings</c>. The same layouts are declared for the fake in
/// <c>native/fake/nvml_abi.h</c>; <see cref="NvmlLibrary"/> calls them through function pointers.
/// </summary>
internal static unsafe class NvmlNative
{
    /// <summary>The file name the NVIDIA driver installs (driver-only hosts and containers have no unversioned <c>libnvidia-ml.so</c>).</summary>
    public const string LibraryFileName = "libnvidia-ml.so.1";

    public const int Success = 0;
    public const int ErrorInsufficientSize = 7;

    public const int CcNonceSize = 0x20;
    public const int CcAttestationReportSize = 0x2000;
    public const int CcCecAttestationReportSize = 0x1000;
    public const int GpuCertChainSize = 0x1000;
    public const int GpuAttestationCertChainSize = 0x1400;

    /// <summary>Buffer sizes nvml.h recommends (NVML_DEVICE_UUID_V2_BUFFER_SIZE, …_NAME_V2_…, SYSTEM_DRIVER_VERSION_…, DEVICE_VBIOS_VERSION_…).</summary>
    public const int UuidBufferSize = 96;
    public const int NameBufferSize = 96;
    public const int DriverVersionBufferSize = 80;
    public const int VbiosVersionBufferSize = 32;

    public const uint CcFeatureEnabled = 1;
    public const uint DevToolsModeOn = 1;
    public const uint EnvironmentUnavailable = 0;
    public const uint EnvironmentSim = 1;
    public const uint EnvironmentProd = 2;
    public const uint MultiGpuNone = 0;
    public const uint MultiGpuProtectedPcie = 1;
    public const uint AcceptingClientRequestsTrue = 1;

    public const uint ArchHopper = 9;
    public const uint ArchBlackwell = 10;

    /// <summary>NVML_STRUCT_VERSION(SystemConfComputeSettings, 1): sizeof | (1 &lt;&lt; 24).</summary>
    public static readonly uint ConfComputeSettingsV1 = (uint)sizeof(ConfComputeSettings) | (1u << 24);

    /// <summary>nvmlReturn_t names, as nvml.h spells them.</summary>
    public static string ErrorName(int code) => code switch
    {
        0 => "NVML_SUCCESS",
        1 => "NVML_ERROR_UNINITIALIZED",
        2 => "NVML_ERROR_INVALID_ARGUMENT",
        3 => "NVML_ERROR_NOT_SUPPORTED",
        4 => "NVML_ERROR_NO_PERMISSION",
        5 => "NVML_ERROR_ALREADY_INITIALIZED",
        6 => "NVML_ERROR_NOT_FOUND",
        7 => "NVML_ERROR_INSUFFICIENT_SIZE",
        8 => "NVML_ERROR_INSUFFICIENT_POWER",
        9 => "NVML_ERROR_DRIVER_NOT_LOADED",
        10 => "NVML_ERROR_TIMEOUT",
        11 => "NVML_ERROR_IRQ_ISSUE",
        12 => "NVML_ERROR_LIBRARY_NOT_FOUND",
        13 => "NVML_ERROR_FUNCTION_NOT_FOUND",
        14 => "NVML_ERROR_CORRUPTED_INFOROM",
        15 => "NVML_ERROR_GPU_IS_LOST",
        16 => "NVML_ERROR_RESET_REQUIRED",
        17 => "NVML_ERROR_OPERATING_SYSTEM",
        18 => "NVML_ERROR_LIB_RM_VERSION_MISMATCH",
        19 => "NVML_ERROR_IN_USE",
        20 => "NVML_ERROR_MEMORY",
        21 => "NVML_ERROR_NO_DATA",
        22 => "NVML_ERROR_VGPU_ECC_NOT_SUPPORTED",
        23 => "NVML_ERROR_INSUFFICIENT_RESOURCES",
        24 => "NVML_ERROR_FREQ_NOT_SUPPORTED",
        25 => "NVML_ERROR_ARGUMENT_VERSION_MISMATCH",
        26 => "NVML_ERROR_DEPRECATED",
        27 => "NVML_ERROR_NOT_READY",
        28 => "NVML_ERROR_GPU_NOT_FOUND",
        29 => "NVML_ERROR_INVALID_STATE",
        999 => "NVML_ERROR_UNKNOWN",
        _ => $"NVML error {code}",
    };

    /// <summary>nvmlConfComputeSystemState_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ConfComputeSystemState
    {
        public uint Environment;
        public uint CcFeature;
        public uint DevToolsMode;
    }

    /// <summary>nvmlSystemConfComputeSettings_v1_t (<see cref="Version"/> must be <see cref="ConfComputeSettingsV1"/>).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ConfComputeSettings
    {
        public uint Version;
        public uint Environment;
        public uint CcFeature;
        public uint DevToolsMode;
        public uint MultiGpuMode;
    }

    /// <summary>nvmlConfComputeGpuCertificate_t (9224 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ConfComputeGpuCertificate
    {
        public uint CertChainSize;
        public uint AttestationCertChainSize;
        public fixed byte CertChain[GpuCertChainSize];
        public fixed byte AttestationCertChain[GpuAttestationCertChainSize];
    }

    /// <summary>nvmlConfComputeGpuAttestationReport_t (12332 bytes); <see cref="Nonce"/> is the caller's input.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ConfComputeGpuAttestationReport
    {
        public uint IsCecAttestationReportPresent;
        public uint AttestationReportSize;
        public uint CecAttestationReportSize;
        public fixed byte Nonce[CcNonceSize];
        public fixed byte AttestationReport[CcAttestationReportSize];
        public fixed byte CecAttestationReport[CcCecAttestationReportSize];
    }
}
