namespace PhalaWorker.Attestation.Gpu.Nvml;

/// <summary>One GPU as NVML reports it.</summary>
/// <param name="Index">NVML device index.</param>
/// <param name="Name">nvmlDeviceGetName.</param>
/// <param name="Uuid">nvmlDeviceGetUUID (<c>GPU-…</c>).</param>
/// <param name="VbiosVersion">nvmlDeviceGetVbiosVersion.</param>
/// <param name="Architecture"><c>HOPPER</c>, <c>BLACKWELL</c>, <c>ARCH_n</c>, or <c>UNKNOWN</c> when NVML cannot say.</param>
public sealed record NvmlGpuInfo(int Index, string Name, string Uuid, string VbiosVersion, string Architecture);
