using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Ilgpu;
using PhalaWorker.Compute.Tests.Conformance;

namespace PhalaWorker.Compute.Tests.Backends;

/// <summary>The ONNX conformance suite on an NVIDIA GPU through ILGPU's CUDA accelerator; skipped where there is none.</summary>
[TestFixture]
public sealed class IlgpuCudaConformanceTests : IlgpuConformanceSuite
{
    protected override IComputeBackend CreateBackend()
    {
        bool cudaPresent = IlgpuBackend.IsCudaAvailable(out string reason);
        Assume.That(cudaPresent, $"no CUDA device: {reason} (the suite runs on a GPU host; IlgpuCpuConformanceTests runs the same kernels here)");
        return new IlgpuBackend(IlgpuDeviceKind.Cuda);
    }
}
