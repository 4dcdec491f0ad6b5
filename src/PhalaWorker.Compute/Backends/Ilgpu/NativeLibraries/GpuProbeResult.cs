namespace PhalaWorker.Compute.Backends.Ilgpu.NativeLibraries;

/// <summary>What the CUDA driver says about this host (<see cref="GpuDiagnostics.Probe"/>).</summary>
/// <param name="Usable">True when the driver loads, is new enough, initializes and has at least one device.</param>
/// <param name="Reason">Why not usable, or a one-line summary when usable.</param>
/// <param name="LibraryPath">The CUDA driver library loaded, or null.</param>
/// <param name="Tried">Every file name or path tried, in order.</param>
/// <param name="DriverVersion">cuDriverGetVersion (e.g. 12040 = CUDA 12.4), or null.</param>
/// <param name="InitError">cuInit's CUresult name when it failed, or null.</param>
/// <param name="DeviceCount">cuDeviceGetCount (0 when not reached).</param>
public sealed record GpuProbeResult(
    bool Usable, string Reason, string? LibraryPath, IReadOnlyList<string> Tried, int? DriverVersion, string? InitError, int DeviceCount)
{
    /// <summary><see cref="DriverVersion"/> as <c>major.minor</c>.</summary>
    public string? DriverVersionText => DriverVersion is { } v ? $"{v / 1000}.{v % 1000 / 10}" : null;
}
