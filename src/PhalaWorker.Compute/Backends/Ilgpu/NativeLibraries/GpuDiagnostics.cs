using System.Runtime.InteropServices;

namespace PhalaWorker.Compute.Backends.Ilgpu.NativeLibraries;

/// <summary>
/// Says exactly why there is, or is not, a usable CUDA GPU: the driver library was not found (with every name tried),
/// the driver is older than <see cref="MinimumDriverVersion"/>, cuInit failed (its CUresult by name), or there is no
/// device. It calls the driver directly (cuDriverGetVersion, cuInit, cuDeviceGetCount) on a background thread bounded
/// by a deadline, so a wedged driver yields a reason instead of a hang.
/// </summary>
public static unsafe class GpuDiagnostics
{
    /// <summary>CUDA 12.2 (driver r535), the first driver with GA confidential computing on H100.</summary>
    public const int MinimumDriverVersion = 12020;

    /// <summary>The default deadline of the probe.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Probes the CUDA driver. <paramref name="directories"/> are searched before (or, with <paramref name="systemSearch"/> false, instead of) the system library path.</summary>
    public static GpuProbeResult Probe(IEnumerable<string>? directories = null, bool systemSearch = true, TimeSpan? timeout = null)
    {
        var searchDirectories = (directories ?? []).ToArray();
        var deadline = timeout ?? DefaultTimeout;
        GpuProbeResult? result = null;
        var thread = new Thread(() => result = ProbeCore(searchDirectories, systemSearch)) { IsBackground = true, Name = "CUDA probe" };
        thread.Start();
        if (!thread.Join(deadline))
        {
            return new GpuProbeResult(false, $"the CUDA driver did not answer within {deadline.TotalSeconds:0.###} s (cuInit or device enumeration hangs)", null, [], null, null, 0);
        }

        return result!;
    }

    private static GpuProbeResult ProbeCore(string[] directories, bool systemSearch)
    {
        var tried = new List<string>();
        if (!GpuNativeLibraryResolver.TryLoad("cuda", directories, systemSearch, out var module, out var path, tried))
        {
            return new GpuProbeResult(false, $"CUDA driver library not found (tried {string.Join(", ", tried)}): no NVIDIA driver on this host", null, tried, null, null, 0);
        }

        if (!NativeLibrary.TryGetExport(module, "cuInit", out var initAddress)
            || !NativeLibrary.TryGetExport(module, "cuDriverGetVersion", out var versionAddress)
            || !NativeLibrary.TryGetExport(module, "cuDeviceGetCount", out var countAddress))
        {
            return new GpuProbeResult(false, $"{path} is not a CUDA driver library (cuInit, cuDriverGetVersion or cuDeviceGetCount missing)", path, tried, null, null, 0);
        }

        var errorName = NativeLibrary.TryGetExport(module, "cuGetErrorName", out var nameAddress) ? nameAddress : 0;
        int version;
        var status = ((delegate* unmanaged<int*, int>)versionAddress)(&version);
        if (status != 0)
        {
            return new GpuProbeResult(false, $"cuDriverGetVersion failed: {Name(errorName, status)}", path, tried, null, null, 0);
        }

        var probe = new GpuProbeResult(false, string.Empty, path, tried, version, null, 0);
        if (version < MinimumDriverVersion)
        {
            return probe with { Reason = $"CUDA driver {probe.DriverVersionText} is too old (need CUDA {MinimumDriverVersion / 1000}.{MinimumDriverVersion % 1000 / 10} or newer)" };
        }

        status = ((delegate* unmanaged<uint, int>)initAddress)(0);
        if (status != 0)
        {
            var name = Name(errorName, status);
            return probe with { Reason = $"cuInit failed: {name} ({status})", InitError = name };
        }

        int count;
        status = ((delegate* unmanaged<int*, int>)countAddress)(&count);
        if (status != 0)
        {
            return probe with { Reason = $"cuDeviceGetCount failed: {Name(errorName, status)}" };
        }

        return count == 0
            ? probe with { Reason = "the CUDA driver reports no devices" }
            : probe with { Usable = true, DeviceCount = count, Reason = $"CUDA {probe.DriverVersionText}, {count} device(s)" };
    }

    private static string Name(nint errorName, int status)
    {
        if (errorName != 0)
        {
            byte* text = null;
            if (((delegate* unmanaged<int, byte**, int>)errorName)(status, &text) == 0 && text != null)
            {
                return Marshal.PtrToStringUTF8((nint)text) ?? CudaErrorNames.Name(status);
            }
        }

        return CudaErrorNames.Name(status);
    }
}
