using PhalaWorker.Compute.Backends.Ilgpu;

namespace PhalaWorker.Compute.Tests.Backends.IlgpuKernels;

/// <summary>
/// One ILGPU device per kind for the whole test run: kernels compile once per accelerator, so sharing the device keeps
/// the CPU-accelerator suite fast. CUDA is created only when ILGPU finds a device.
/// </summary>
[SetUpFixture]
public sealed class IlgpuTestDevices
{
    private static readonly Lazy<IlgpuDevice> Cpu = new(() => IlgpuDevice.Create(IlgpuDeviceKind.CpuAccelerator));
    private static readonly Lazy<IlgpuDevice> CpuTiled = new(() =>
    {
        var device = IlgpuDevice.CreateCpu(4, 4, 1);
        device.GemmTile = 4;
        return device;
    });

    private static readonly Lazy<(bool Present, string Reason)> CudaProbe = new(() => (IlgpuDevice.IsCudaAvailable(out string reason), reason));
    private static readonly Lazy<IlgpuDevice> Cuda = new(() => IlgpuDevice.Create(IlgpuDeviceKind.Cuda));

    /// <summary>Returns the shared device, or makes the calling fixture inconclusive (skipped) when CUDA is absent.</summary>
    internal static IlgpuDevice Get(IlgpuDeviceKind kind)
    {
        if (kind == IlgpuDeviceKind.CpuAccelerator)
        {
            return Cpu.Value;
        }

        var (present, reason) = CudaProbe.Value;
        Assume.That(present, $"no CUDA device: {reason} The same kernels run on ILGPU's CPU accelerator in the CpuAccelerator fixtures.");
        return Cuda.Value;
    }

    /// <summary>A CPU accelerator with 16-thread groups, so the shared-memory GEMM runs with 4×4 tiles.</summary>
    internal static IlgpuDevice CpuWithTiledGemm => CpuTiled.Value;

    [OneTimeTearDown]
    public void DisposeDevices()
    {
        if (Cpu.IsValueCreated)
        {
            Cpu.Value.Dispose();
        }

        if (CpuTiled.IsValueCreated)
        {
            CpuTiled.Value.Dispose();
        }

        if (Cuda.IsValueCreated)
        {
            Cuda.Value.Dispose();
        }
    }
}
