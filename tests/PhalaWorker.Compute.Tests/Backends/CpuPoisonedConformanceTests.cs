using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Tests.Conformance;

namespace PhalaWorker.Compute.Tests.Backends;

/// <summary>
/// The ONNX conformance suite on the CPU backend with every buffer a kernel takes uninitialized filled with 0xFF (NaN):
/// a kernel that skips an element it promised to write fails here instead of passing on a zero.
/// </summary>
[TestFixture]
public sealed class CpuPoisonedConformanceTests : ConformanceSuite
{
    protected override IComputeBackend CreateBackend() => new CpuBackend();

    protected override ComputeOptions CreateOptions() => new() { Threads = 2, PoisonUninitializedBuffers = true, ModelCacheEntries = 0 };
}
