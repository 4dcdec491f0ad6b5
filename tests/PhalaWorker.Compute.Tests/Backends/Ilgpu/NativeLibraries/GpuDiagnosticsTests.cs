using PhalaWorker.Compute.Backends.Ilgpu.NativeLibraries;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Compute.Tests.Backends.Ilgpu.NativeLibraries;

/// <summary>The probe against the stub libcuda.so.1 (native/build/fake-driver), whose answers each test chooses.</summary>
[NonParallelizable] // the stub's answers are process-wide
public sealed class GpuDiagnosticsTests
{
    [Test]
    public void Probe_NoDriverLibrary_SaysWhichNamesWereTried()
    {
        var empty = Path.Combine(Path.GetTempPath(), "no-driver-" + Guid.NewGuid().ToString("N"));

        var result = GpuDiagnostics.Probe([empty], systemSearch: false);

        Assert.That(result.Usable, Is.False);
        Assert.That(result.Reason, Is.EqualTo(
            $"CUDA driver library not found (tried {Path.Combine(empty, "libcuda.so.1")}, {Path.Combine(empty, "libcuda.so")}): no NVIDIA driver on this host"));
    }

    [Test]
    public void Probe_TwoDevices_Usable()
    {
        FakeNvml.ConfigureStubCuda(initResult: 0, driverVersion: 12040, deviceCount: 2);

        var result = GpuDiagnostics.Probe([FakeNvml.FakeDriverDirectory], systemSearch: false);

        Assert.That(result.Usable, Is.True, result.Reason);
        Assert.That(result.DeviceCount, Is.EqualTo(2));
        Assert.That(result.DriverVersionText, Is.EqualTo("12.4"));
        Assert.That(result.LibraryPath, Does.EndWith("libcuda.so.1"));
        Assert.That(result.Reason, Is.EqualTo("CUDA 12.4, 2 device(s)"));
    }

    [Test]
    public void Probe_CuInitFails_ErrorByName()
    {
        FakeNvml.ConfigureStubCuda(initResult: 100, driverVersion: 12040, deviceCount: 0);

        var result = GpuDiagnostics.Probe([FakeNvml.FakeDriverDirectory], systemSearch: false);

        Assert.That(result.Usable, Is.False);
        Assert.That(result.InitError, Is.EqualTo("CUDA_ERROR_NO_DEVICE"));
        Assert.That(result.Reason, Is.EqualTo("cuInit failed: CUDA_ERROR_NO_DEVICE (100)"));
    }

    [Test]
    public void Probe_CuInitUnnamedCode_FallsBackToOwnTable()
    {
        FakeNvml.ConfigureStubCuda(initResult: 803, driverVersion: 12040, deviceCount: 0);

        var result = GpuDiagnostics.Probe([FakeNvml.FakeDriverDirectory], systemSearch: false);

        Assert.That(result.InitError, Is.EqualTo("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH"));
    }

    [Test]
    public void Probe_OldDriver_TooOld()
    {
        FakeNvml.ConfigureStubCuda(initResult: 0, driverVersion: 11080, deviceCount: 1);

        var result = GpuDiagnostics.Probe([FakeNvml.FakeDriverDirectory], systemSearch: false);

        Assert.That(result.Usable, Is.False);
        Assert.That(result.Reason, Is.EqualTo("CUDA driver 11.8 is too old (need CUDA 12.2 or newer)"));
    }

    [Test]
    public void Probe_NoDevices_SaysSo()
    {
        FakeNvml.ConfigureStubCuda(initResult: 0, driverVersion: 12040, deviceCount: 0);

        var result = GpuDiagnostics.Probe([FakeNvml.FakeDriverDirectory], systemSearch: false);

        Assert.That(result.Usable, Is.False);
        Assert.That(result.Reason, Is.EqualTo("the CUDA driver reports no devices"));
    }
}
