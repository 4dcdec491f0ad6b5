using System.Runtime.InteropServices;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Compute.Tests.Backends.Ilgpu.NativeLibraries;

/// <summary>native/build/fake-driver/: the stub libcuda.so.1 and the fake NVML as libnvidia-ml.so.1.</summary>
internal static unsafe class StubCudaDriver
{
    public static string Directory => Path.GetDirectoryName(FakeNvml.RequirePath(Path.Combine("fake-driver", "libcuda.so.1")))!;

    /// <summary>Chooses what the stub's cuInit, cuDriverGetVersion and cuDeviceGetCount answer.</summary>
    public static void Configure(int initResult, int driverVersion, int deviceCount)
    {
        var module = NativeLibrary.Load(Path.Combine(Directory, "libcuda.so.1"));
        var configure = (delegate* unmanaged<int, int, int, void>)NativeLibrary.GetExport(module, "stub_cuda_configure");
        configure(initResult, driverVersion, deviceCount);
    }
}
