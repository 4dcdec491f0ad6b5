namespace PhalaWorker.Attestation.Gpu.Nvml;

/// <summary>
/// What NVML reports about the host's confidential-computing GPUs, and whether the agent may offer a GPU backend:
/// <see cref="UnusableReason"/> is null only when CC is on, DevTools is off, the environment is production, the GPUs
/// are CC-capable and NVML has the CC API. CC fields are null when this NVML has no CC API.
/// </summary>
/// <param name="LibraryPath">The NVML library loaded.</param>
/// <param name="DriverVersion">nvmlSystemGetDriverVersion.</param>
/// <param name="Gpus">Every GPU NVML enumerates.</param>
/// <param name="HasConfidentialComputeApi">False for an NVML older than r535.</param>
/// <param name="ConfidentialComputeEnabled">nvmlSystemGetConfComputeState ccFeature.</param>
/// <param name="DevToolsMode">CC DevTools mode (debugging allowed; never production).</param>
/// <param name="Environment"><c>PROD</c>, <c>SIM</c> or <c>UNAVAILABLE</c>.</param>
/// <param name="MultiGpuMode">nvmlSystemGetConfComputeSettings multiGpuMode: <c>NONE</c> or <c>PPCIE</c> (protected PCIe).</param>
/// <param name="GpusReady">nvmlSystemGetConfComputeGpusReadyState: the GPUs accept work.</param>
/// <param name="UnusableReason">Why no GPU may be used, or null.</param>
public sealed record NvmlHostState(
    string LibraryPath,
    string DriverVersion,
    IReadOnlyList<NvmlGpuInfo> Gpus,
    bool HasConfidentialComputeApi,
    bool? ConfidentialComputeEnabled,
    bool? DevToolsMode,
    string? Environment,
    string? MultiGpuMode,
    bool? GpusReady,
    string? UnusableReason)
{
    /// <summary>True when a confidential-computing GPU is usable.</summary>
    public bool IsUsable => UnusableReason is null;
}
