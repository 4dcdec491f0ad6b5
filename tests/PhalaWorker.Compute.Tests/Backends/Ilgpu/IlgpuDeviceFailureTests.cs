using ILGPU;
using ILGPU.Runtime.Cuda;
using PhalaWorker.Compute.Backends.Ilgpu;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Compute.Tests.Backends.Ilgpu;

/// <summary>
/// Device failures (out of memory, kernel compilation/JIT, launch refused, CUDA errors) fail the job with
/// <see cref="ComputeErrorReason.DeviceFailed"/> naming the node: never a raw exception, never a silent rerun on the CPU.
/// The exceptions are the real ILGPU/CUDA types, thrown where the device path runs (through the backend's fault hook),
/// since this host has no GPU to run out of memory on.
/// </summary>
[TestFixture]
public sealed class IlgpuDeviceFailureTests
{
    private IlgpuBackend backend = null!;
    private ComputeEngine engine = null!;
    private ComputeModel model = null!;

    [OneTimeSetUp]
    public void CreateBackend()
    {
        backend = new IlgpuBackend(IlgpuDeviceKind.CpuAccelerator);
        engine = new ComputeEngine(new ComputeOptions { Threads = 1, Backend = "ilgpu-cpu" }, backend);
        model = engine.Load(OnnxTestData.ModelBytes("tiny_mlp"));
    }

    [OneTimeTearDown]
    public async Task DisposeBackendAsync() => await backend.DisposeAsync();

    [TearDown]
    public void ClearFault() => backend.DeviceFaultInjector = null;

    private static IEnumerable<TestCaseData> Faults()
    {
        yield return new TestCaseData(new Func<Exception>(() => new OutOfMemoryException("cuMemAlloc failed")), "out of device memory").SetName("Run_OutOfMemory_JobFailsWithDeviceFailed");
        yield return new TestCaseData(new Func<Exception>(() => new CudaException("CUDA_ERROR_OUT_OF_MEMORY")), "CUDA error").SetName("Run_CudaError_JobFailsWithDeviceFailed");
        yield return new TestCaseData(new Func<Exception>(() => new InternalCompilerException("PTX JIT failed")), "kernel compilation failed").SetName("Run_JitFailure_JobFailsWithDeviceFailed");
        yield return new TestCaseData(new Func<Exception>(() => new ArgumentOutOfRangeException("gridDim", "grid dimension y 70000 exceeds 65535")), "kernel launch refused").SetName("Run_LaunchRefused_JobFailsWithDeviceFailed");
        yield return new TestCaseData(new Func<Exception>(() => new InvalidKernelOperationException("launch failed")), "kernel launch failed").SetName("Run_LaunchFailed_JobFailsWithDeviceFailed");
    }

    [TestCaseSource(nameof(Faults))]
    public void Run_DeviceFault_FailsJobNamingNodeAndNeverFallsBack(Func<Exception> fault, string kind)
    {
        var fallbacksBefore = backend.Fallbacks.Values.Sum();
        backend.DeviceFaultInjector = node => throw fault();

        var ex = Assert.Throws<ComputeException>(() => engine.Run(model, Inputs(), CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.DeviceFailed));
        Assert.That(ex.Message, Does.Contain(kind).And.Contain("on backend 'ilgpu-cpu'").And.Contain("Gemm"));
        Assert.That(backend.Fallbacks.Values.Sum(), Is.EqualTo(fallbacksBefore), "a device failure must not rerun the node on the CPU");
        Assert.That(backend.DeviceFailures.Keys, Does.Contain("Gemm"));
    }

    [Test]
    public void Run_AfterDeviceFault_NextJobSucceedsOnDevice()
    {
        backend.DeviceFaultInjector = node => throw new OutOfMemoryException("simulated");
        Assert.Throws<ComputeException>(() => engine.Run(model, Inputs(), CancellationToken.None));
        backend.DeviceFaultInjector = null;
        var runs = backend.DeviceRuns.GetValueOrDefault("Gemm");

        var result = engine.Run(model, Inputs(), CancellationToken.None);

        Assert.That(result.Outputs, Has.Count.EqualTo(1));
        Assert.That(backend.DeviceRuns.GetValueOrDefault("Gemm"), Is.GreaterThan(runs));
    }

    private static IReadOnlyList<(string, ReadOnlyMemory<byte>)> Inputs()
    {
        var dataSet = Path.Combine(OnnxTestData.Model("tiny_mlp"), "test_data_set_0");
        return [.. PhalaWorker.Compute.Conformance.NodeTestRunner.ReadTensorFiles(dataSet, "input").Select(b => (string.Empty, (ReadOnlyMemory<byte>)b))];
    }

    [Test]
    public void Describe_UnsupportedShapeAndDomainErrors_AreNotDeviceFailures()
    {
        Assert.That(IlgpuErrors.Describe(new IlgpuUnsupportedException("x")), Is.Null);
        Assert.That(IlgpuErrors.Describe(new ComputeException(ComputeErrorReason.ExecutionFailed, "x")), Is.Null);
        Assert.That(IlgpuErrors.Describe(new OperationCanceledException()), Is.Null);
        Assert.That(IlgpuErrors.Describe(new IndexOutOfRangeException()), Is.Null);
    }
}
