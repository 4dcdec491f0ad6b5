using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Ilgpu;
using PhalaWorker.Compute.Tests.Conformance;

namespace PhalaWorker.Compute.Tests.Backends;

/// <summary>The ONNX conformance suite on ILGPU's CPU accelerator (the same kernels the CUDA flavour runs), counting only ILGPU passes.</summary>
[TestFixture]
public sealed class IlgpuCpuConformanceTests : IlgpuConformanceSuite
{
    protected override IComputeBackend CreateBackend() => new IlgpuBackend(IlgpuDeviceKind.CpuAccelerator);
}
