using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Tests.Conformance;

namespace PhalaWorker.Compute.Tests.Backends;

/// <summary>The ONNX conformance suite on the CPU backend.</summary>
[TestFixture]
public sealed class CpuConformanceTests : ConformanceSuite
{
    protected override IComputeBackend CreateBackend() => new CpuBackend();
}
