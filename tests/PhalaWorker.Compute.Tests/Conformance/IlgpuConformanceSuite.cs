using PhalaWorker.Compute.Backends.Ilgpu;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Compute.Tests.Conformance;

/// <summary>
/// The conformance suite on an ILGPU backend, counting only what ran on ILGPU kernels. After each test folder the ops whose
/// nodes ran on the CPU kernels (ops the backend has no kernel for, and device ops whose kernel declined: non-float32
/// inputs, uncovered attributes) must equal the test's entry in <see cref="IlgpuExpectedFallbacks"/> exactly: a new
/// fallback fails, and so does a listed one that no longer falls back. A test in which no node ran on the device is
/// still checked for correct outputs and then reported ignored ("not an ILGPU pass"), so the passed count is the number
/// of tests the ILGPU kernels computed.
/// </summary>
public abstract class IlgpuConformanceSuite : ConformanceSuite
{
    private readonly List<string> devicePasses = [];
    private readonly List<string> cpuOnly = [];

    private IlgpuBackend Ilgpu => (IlgpuBackend)Backend;

    protected override void RunFolder(string folder, string name)
    {
        var fallbacksBefore = Ilgpu.Fallbacks;
        var deviceBefore = Ilgpu.DeviceRuns;
        var result = NodeTestRunner.Run(folder, Engine, CancellationToken.None);
        if (result.Status != NodeTestStatus.Passed)
        {
            Check(result, name);
            return;
        }

        var model = Engine.Load(File.ReadAllBytes(Path.Combine(folder, "model.onnx"))); // a model-cache hit: the model just run
        var hostOps = model.Graph.Nodes.Where(n => !IlgpuNodeKernel.Handles(n.OpType)).Select(n => n.OpType);
        var declined = Grown(fallbacksBefore, Ilgpu.Fallbacks);
        var onDevice = Grown(deviceBefore, Ilgpu.DeviceRuns);
        var cpuOps = hostOps.Concat(declined).Distinct().Order(StringComparer.Ordinal).ToArray();
        var expected = IlgpuExpectedFallbacks.For(name);
        Assert.That(cpuOps, Is.EqualTo(expected),
            $"ops that ran on the CPU kernels differ from the expected-fallback list (host ops: {string.Join(",", hostOps.Distinct())}; " +
            $"device kernels declined: {string.Join(",", declined)}). If intended, the entry is: " +
            $"[\"{name}\"] = [{string.Join(", ", cpuOps.Select(o => $"\"{o}\""))}],");
        if (onDevice.Count == 0)
        {
            cpuOnly.Add(name);
            Assert.Ignore($"outputs correct, but not an ILGPU pass: every node ran on the CPU kernels ({string.Join(", ", cpuOps)}; listed in IlgpuExpectedFallbacks)");
        }

        devicePasses.Add(name);
    }

    /// <summary>Prints how many tests the ILGPU kernels computed and how many ran only on the CPU kernels.</summary>
    [OneTimeTearDown]
    public void ReportDeviceCoverage()
    {
        if (devicePasses.Count + cpuOnly.Count > 0)
        {
            TestContext.Progress.WriteLine($"{GetType().Name}: {devicePasses.Count} tests passed on ILGPU kernels; {cpuOnly.Count} ran only on CPU kernels (not counted).");
        }
    }

    private static List<string> Grown(IReadOnlyDictionary<string, int> before, IReadOnlyDictionary<string, int> after) =>
        [.. after.Where(p => p.Value > before.GetValueOrDefault(p.Key)).Select(p => p.Key).Order(StringComparer.Ordinal)];

    /// <summary>Every key of the expected-fallback list names a test that exists, so the list cannot rot.</summary>
    [Test]
    public void ExpectedFallbacks_NameExistingTests()
    {
        var names = OnnxTestData.NodeTestNames().Concat(OnnxTestData.SimpleTestNames()).Concat(OnnxTestData.ModelNames).ToHashSet(StringComparer.Ordinal);

        Assert.That(IlgpuExpectedFallbacks.TestNames.Where(n => !names.Contains(n)), Is.Empty);
    }
}
