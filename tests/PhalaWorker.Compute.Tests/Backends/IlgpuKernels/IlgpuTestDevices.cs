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

    [OneTimeTearDown]
    public void DisposeDevices()
    {
        if (Cpu.IsValueCreated)
        {
            Cpu.Value.Dispose();
        }

        if (Cuda.IsValueCreated)
        {
            Cuda.Value.Dispose();
        }
    }
}
