using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Ilgpu;
using PhalaWorker.Compute.Tests.Conformance;

namespace PhalaWorker.Compute.Tests.Backends;

/// <summary>The ONNX conformance suite on ILGPU's CPU accelerator (the same kernels the CUDA flavour runs).</summary>
[TestFixture]
public sealed class IlgpuCpuConformanceTests : ConformanceSuite
{
    private Func<string>? coverage;

    protected override IComputeBackend CreateBackend()
    {
        var backend = new IlgpuBackend(IlgpuDeviceKind.CpuAccelerator);
        coverage = () =>
            "ilgpu-cpu device runs: " + Format(backend.DeviceRuns) + Environment.NewLine +
            "ilgpu-cpu CPU fallbacks: " + Format(backend.Fallbacks);
        return backend;
    }

    /// <summary>Records which ops ran as ILGPU kernels and which fell back to the CPU kernels (runs before the base disposes the backend).</summary>
    [OneTimeTearDown]
    public void ReportDeviceCoverage()
    {
        if (coverage is not null)
        {
            TestContext.Progress.WriteLine(coverage());
        }
    }

    private static string Format(IReadOnlyDictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
