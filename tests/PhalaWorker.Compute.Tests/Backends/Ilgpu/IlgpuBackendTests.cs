using ILGPU.Runtime;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Ilgpu;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Compute.Tests.Backends.Ilgpu;

/// <summary>The ILGPU backend behind <see cref="IComputeBackend"/>, on the CPU accelerator (one backend for the fixture).</summary>
[TestFixture]
public sealed class IlgpuBackendTests
{
    private IlgpuBackend backend = null!;
    private ComputeEngine engine = null!;

    [OneTimeSetUp]
    public void CreateBackend()
    {
        backend = new IlgpuBackend(IlgpuDeviceKind.CpuAccelerator);
        engine = new ComputeEngine(new ComputeOptions { Threads = 2, Backend = "ilgpu-cpu" }, backend);
    }

    [OneTimeTearDown]
    public async Task DisposeBackendAsync() => await backend.DisposeAsync();

    [Test]
    public void Registry_IlgpuCpu_CreatesIlgpuBackend()
    {
        Assert.That(ComputeBackendRegistry.Names, Does.Contain("ilgpu-cpu").And.Contain("cuda"));
        Assert.That(ComputeBackendRegistry.IsAvailable("ilgpu-cpu", out _), Is.True);

        using var created = ComputeBackendRegistry.Create("ilgpu-cpu", new ComputeOptions());

        Assert.That(created, Is.TypeOf<IlgpuBackend>());
        Assert.That(created.Name, Is.EqualTo("ilgpu-cpu"));
    }

    [Test]
    public void Registry_CudaWithoutDevice_RefusedWithReason()
    {
        Assume.That(IlgpuBackend.IsCudaAvailable(out _), Is.False, "this host has a CUDA device; the refusal path cannot be exercised");

        bool available = ComputeBackendRegistry.IsAvailable("cuda", out string reason);
        var ex = Assert.Throws<ComputeException>(() => ComputeBackendRegistry.Create("cuda", new ComputeOptions()));

        Assert.That(available, Is.False);
        Assert.That(reason, Does.Contain("CUDA"));
        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.BackendUnavailable));
    }

    [Test]
    public void Constructor_CudaWithoutDevice_ThrowsBackendUnavailable()
    {
        Assume.That(IlgpuBackend.IsCudaAvailable(out _), Is.False, "this host has a CUDA device; the refusal path cannot be exercised");

        var ex = Assert.Throws<ComputeException>(() => new IlgpuBackend(IlgpuDeviceKind.Cuda).Dispose());

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.BackendUnavailable));
        Assert.That(ex.Message, Does.Contain("no CUDA device"));
    }

    [Test]
    public void Run_TinyMlp_PassesAndRunsOnTheDevice()
    {
        var result = NodeTestRunner.Run(OnnxTestData.Model("tiny_mlp"), engine, CancellationToken.None);

        Assert.That(result.Status, Is.EqualTo(NodeTestStatus.Passed), result.Detail);
        Assert.That(backend.DeviceRuns.Keys, Is.SupersetOf(new[] { "Gemm", "Relu", "Softmax" }));
    }

    [Test]
    public void Run_TinyMlp_OnlyTheGraphOutputComesBackToTheHost()
    {
        var before = backend.DeviceToHostCopies;

        var result = NodeTestRunner.Run(OnnxTestData.Model("tiny_mlp"), engine, CancellationToken.None);

        Assert.That(result.Status, Is.EqualTo(NodeTestStatus.Passed), result.Detail);
        Assert.That(backend.DeviceToHostCopies - before, Is.EqualTo(1), "every node ran on the device; dead intermediates must not be copied back");
    }

    [Test]
    public void Run_SameModelTwice_WeightsUploadedOnce()
    {
        var folder = OnnxTestData.Model("tiny_mlp");
        var uncached = new ComputeEngine(new ComputeOptions { ModelCacheEntries = 0 }, backend); // its own constant tensors
        var model = uncached.Load(File.ReadAllBytes(Path.Combine(folder, "model.onnx")));
        var inputs = NodeTestRunner.ReadTensorFiles(Path.Combine(folder, "test_data_set_0"), "input")
            .Select(b => (string.Empty, (ReadOnlyMemory<byte>)b)).ToArray();

        var before = backend.HostToDeviceCopies;
        var first = uncached.Run(model, inputs, CancellationToken.None);
        var firstUploads = backend.HostToDeviceCopies - before;
        var second = uncached.Run(model, inputs, CancellationToken.None);
        var secondUploads = backend.HostToDeviceCopies - before - firstUploads;

        Assert.That(firstUploads, Is.EqualTo(7), "x and the three Gemms' W and b");
        Assert.That(secondUploads, Is.EqualTo(1), "only x: the weights stayed on the device");
        Assert.That(backend.CachedConstantBytes, Is.GreaterThanOrEqualTo(4L * ((784 * 128) + 128 + (128 * 64) + 64 + (64 * 10) + 10)));
        Assert.That(second.Outputs[0].TensorProto, Is.EqualTo(first.Outputs[0].TensorProto));
    }

    [TestCase("tiny_mlp")]
    [TestCase("tiny_transformer_block")]
    public void Run_SameJobTwice_BitIdenticalOutputs(string name)
    {
        var folder = OnnxTestData.Model(name);
        var model = File.ReadAllBytes(Path.Combine(folder, "model.onnx"));
        var inputs = NodeTestRunner.ReadTensorFiles(Path.Combine(folder, "test_data_set_0"), "input")
            .Select(b => (string.Empty, (ReadOnlyMemory<byte>)b)).ToArray();

        var first = engine.Run(model, inputs, CancellationToken.None);
        var second = engine.Run(model, inputs, CancellationToken.None);

        Assert.That(second.Outputs.Select(o => o.TensorProto), Is.EqualTo(first.Outputs.Select(o => o.TensorProto)));
        Assert.That(first.Backend, Is.EqualTo("ilgpu-cpu"));
    }

    [Test]
    public void Run_AfterJob_DeviceBuffersReturnedAndZeroed()
    {
        var result = NodeTestRunner.Run(OnnxTestData.Model("tiny_mlp"), engine, CancellationToken.None);
        Assert.That(result.Status, Is.EqualTo(NodeTestStatus.Passed), result.Detail);

        Assert.That(backend.Device.FloatPool.RentedCount, Is.Zero);
        Assert.That(backend.Device.FloatPool.FreeCount, Is.GreaterThan(0));
        var buffers = backend.Device.FloatPool.FreeCapacities()
            .Select(capacity => backend.Device.FloatPool.Rent(capacity)).ToList();
        Assert.That(backend.Device.FloatPool.FreeCount, Is.Zero, "every pooled buffer was handed out again");
        try
        {
            Assert.That(buffers.SelectMany(b => b.GetAsArray1D()), Is.All.EqualTo(0f));
        }
        finally
        {
            backend.Device.EndJob();
        }
    }

    [Test]
    public void Run_NonFloatInputs_FallBackToCpuKernel()
    {
        var result = NodeTestRunner.Run(Path.Combine(OnnxTestData.NodeRoot, "test_add_uint8"), engine, CancellationToken.None);

        Assert.That(result.Status, Is.EqualTo(NodeTestStatus.Passed), result.Detail);
        Assert.That(backend.Fallbacks.Keys, Does.Contain("Add"));
    }

    [Test]
    public void TryCreateKernel_ShapeOp_LeftToTheEngine()
    {
        var node = new PhalaWorker.Compute.Graph.OperatorNode(0, "r", "Reshape", string.Empty, 17, ["x", "s"], ["y"], PhalaWorker.Compute.Graph.NodeAttributes.Empty);

        Assert.That(backend.TryCreateKernel(node), Is.Null);
    }
}
