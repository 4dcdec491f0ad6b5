using System.ComponentModel.DataAnnotations;
using System.Runtime.CompilerServices;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Ilgpu;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Compute.Tests.Backends.Ilgpu;

/// <summary>
/// Issue 13 item 3 on ILGPU's CPU accelerator: a stream per job, kernel metadata cached with the plan, and the
/// cuBLAS-vs-own-GEMM policy. Each test uses backends of its own, so the switches it flips do not leak.
/// </summary>
[TestFixture]
public sealed class IlgpuThroughputTests
{
    private static (string Name, ReadOnlyMemory<byte> TensorProto)[] Inputs(string model) =>
        NodeTestRunner.ReadTensorFiles(Path.Combine(OnnxTestData.Model(model), "test_data_set_0"), "input")
            .Select(b => (string.Empty, (ReadOnlyMemory<byte>)b)).ToArray();

    private static byte[][] Outputs(ComputeResult result) => [.. result.Outputs.Select(o => o.TensorProto.ToArray())];

    [TestCase("tiny_mlp")]
    [TestCase("tiny_transformer_block")]
    public async Task Run_WithAndWithoutJobStreamAndMetadataCache_BitIdenticalAsync(string name)
    {
        await using var fast = new IlgpuBackend(IlgpuDeviceKind.CpuAccelerator);
        await using var plain = new IlgpuBackend(IlgpuDeviceKind.CpuAccelerator);
        plain.Device.UseJobStream = false;
        plain.Device.UseMetadataCache = false;
        var fastEngine = new ComputeEngine(new ComputeOptions { Backend = "ilgpu-cpu", ModelCacheEntries = 0 }, fast);
        var plainEngine = new ComputeEngine(new ComputeOptions { Backend = "ilgpu-cpu", ModelCacheEntries = 0 }, plain);
        var inputs = Inputs(name);
        var fastModel = fastEngine.Load(OnnxTestData.ModelBytes(name));
        var plainModel = plainEngine.Load(OnnxTestData.ModelBytes(name));

        var fast1 = Outputs(fastEngine.Run(fastModel, inputs, CancellationToken.None));
        var fast2 = Outputs(fastEngine.Run(fastModel, inputs, CancellationToken.None)); // served from the metadata cache
        var reference = Outputs(plainEngine.Run(plainModel, inputs, CancellationToken.None));

        Assert.That(fast.Device.StreamsCreated, Is.EqualTo(2), "one stream per job");
        Assert.That(plain.Device.StreamsCreated, Is.Zero);
        Assert.That(fast.Device.MetadataCacheHits, Is.GreaterThan(0), "the second run must have reused cached metadata");
        Assert.That(plain.Device.MetadataCacheHits, Is.Zero);
        Assert.That(fast1, Is.EqualTo(reference));
        Assert.That(fast2, Is.EqualTo(reference));
        var check = NodeTestRunner.Run(OnnxTestData.Model(name), fastEngine, CancellationToken.None);
        Assert.That(check.Status, Is.EqualTo(NodeTestStatus.Passed), check.Detail);
    }

    [Test]
    public async Task Run_SamePlanAgain_NoMetadataUploadsAsync()
    {
        await using var backend = new IlgpuBackend(IlgpuDeviceKind.CpuAccelerator);
        var engine = new ComputeEngine(new ComputeOptions { Backend = "ilgpu-cpu", ModelCacheEntries = 0 }, backend);
        var model = engine.Load(OnnxTestData.ModelBytes("tiny_transformer_block"));
        var inputs = Inputs("tiny_transformer_block");

        engine.Run(model, inputs, CancellationToken.None);
        long firstUploads = backend.Device.MetadataUploads;
        long firstHits = backend.Device.MetadataCacheHits;
        engine.Run(model, inputs, CancellationToken.None);
        engine.Run(model, inputs, CancellationToken.None);

        Assert.That(firstUploads, Is.GreaterThan(0), "the first run uploads each node's metadata");
        Assert.That(backend.Device.MetadataUploads, Is.EqualTo(firstUploads), "zero metadata uploads per run after the first");
        Assert.That(backend.Device.MetadataCacheHits - firstHits, Is.EqualTo(2 * (firstUploads + firstHits)), "every launch of runs 2 and 3 found its metadata cached");
        Assert.That(backend.MetadataCacheUsage.Bytes, Is.GreaterThan(0));
    }

    [Test]
    public async Task Run_WithoutMetadataCache_UploadsEveryRunAsync()
    {
        await using var backend = new IlgpuBackend(IlgpuDeviceKind.CpuAccelerator);
        backend.Device.UseMetadataCache = false;
        var engine = new ComputeEngine(new ComputeOptions { Backend = "ilgpu-cpu", ModelCacheEntries = 0 }, backend);
        var model = engine.Load(OnnxTestData.ModelBytes("tiny_transformer_block"));
        var inputs = Inputs("tiny_transformer_block");

        engine.Run(model, inputs, CancellationToken.None);
        long first = backend.Device.MetadataUploads;
        engine.Run(model, inputs, CancellationToken.None);

        Assert.That(first, Is.GreaterThan(0));
        Assert.That(backend.Device.MetadataUploads, Is.EqualTo(2 * first), "the counter the cache test relies on counts per-launch uploads");
    }

    [Test]
    public async Task Run_ConcurrentJobs_EachOnItsOwnStream_ResultsUnchangedAsync()
    {
        await using var backend = new IlgpuBackend(IlgpuDeviceKind.CpuAccelerator);
        var engine = new ComputeEngine(new ComputeOptions { Backend = "ilgpu-cpu", ModelCacheEntries = 0 }, backend);
        var mlp = engine.Load(OnnxTestData.ModelBytes("tiny_mlp"));
        var block = engine.Load(OnnxTestData.ModelBytes("tiny_transformer_block"));
        var mlpInputs = Inputs("tiny_mlp");
        var blockInputs = Inputs("tiny_transformer_block");
        var mlpExpected = Outputs(engine.Run(mlp, mlpInputs, CancellationToken.None));
        var blockExpected = Outputs(engine.Run(block, blockInputs, CancellationToken.None));
        long streamsBefore = backend.Device.StreamsCreated;

        var runs = Enumerable.Range(0, 6).Select(i => Task.Run(() => i % 2 == 0
            ? (Expected: mlpExpected, Actual: Outputs(engine.Run(mlp, mlpInputs, CancellationToken.None)))
            : (Expected: blockExpected, Actual: Outputs(engine.Run(block, blockInputs, CancellationToken.None))))).ToArray();
        var results = await Task.WhenAll(runs);

        Assert.That(results.Select(r => r.Actual), Is.EqualTo(results.Select(r => r.Expected)));
        Assert.That(backend.Device.StreamsCreated - streamsBefore, Is.EqualTo(6));
        Assert.That(backend.Device.FloatPool.RentedCount, Is.Zero);
    }

    [Test]
    public async Task Model_NoLongerReferenced_MetadataFreedAtNextJobAsync()
    {
        await using var backend = new IlgpuBackend(IlgpuDeviceKind.CpuAccelerator);
        var engine = new ComputeEngine(new ComputeOptions { Backend = "ilgpu-cpu", ModelCacheEntries = 0 }, backend);
        var kept = engine.Load(OnnxTestData.ModelBytes("tiny_mlp"));
        int keptCaches = backend.MetadataCacheUsage.Caches;
        LoadAndRunOnce(engine, "tiny_transformer_block");
        Assert.That(backend.MetadataCacheUsage.Caches, Is.GreaterThan(keptCaches));

        for (int i = 0; i < 3 && backend.MetadataCacheUsage.Caches > keptCaches; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            engine.Run(kept, Inputs("tiny_mlp"), CancellationToken.None); // job start frees caches of collected plans
        }

        Assert.That(backend.MetadataCacheUsage.Caches, Is.EqualTo(keptCaches), "the dropped model's metadata buffers are freed");
        GC.KeepAlive(kept);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LoadAndRunOnce(ComputeEngine engine, string name)
    {
        var model = engine.Load(OnnxTestData.ModelBytes(name));
        engine.Run(model, Inputs(name), CancellationToken.None);
    }

    [TestCase("auto", CuBlasMode.Auto)]
    [TestCase("always", CuBlasMode.Always)]
    [TestCase("never", CuBlasMode.Never)]
    [TestCase(" Never ", CuBlasMode.Never)]
    public void Policy_Parse(string value, CuBlasMode expected) => Assert.That(CuBlasPolicy.Parse(value), Is.EqualTo(expected));

    [TestCase("true")]
    [TestCase("false")]
    [TestCase("")]
    public void Policy_Parse_RejectsOtherValues(string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => CuBlasPolicy.Parse(value));
        Assert.That(ex!.Message, Does.Contain("auto").And.Contain("always").And.Contain("never"));
        var options = new ComputeOptions { CudaUseCuBlas = value };
        Assert.That(Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true), Is.False, "options validation rejects it at start-up");
    }

    [TestCase(CuBlasMode.Never, 4096, 4096, 4096, 1, false)]
    [TestCase(CuBlasMode.Always, 1, 1, 1, 1, true)]
    [TestCase(CuBlasMode.Auto, 64, 64, 64, 1, true)] // exactly the threshold
    [TestCase(CuBlasMode.Auto, 64, 64, 63, 1, false)]
    [TestCase(CuBlasMode.Auto, 16, 16, 16, 64, true)] // small products, but batched: 16³·64 = 64³
    [TestCase(CuBlasMode.Auto, 16, 16, 16, 63, false)]
    [TestCase(CuBlasMode.Auto, 1, 1000, 1000, 1, true)]
    [TestCase(CuBlasMode.Auto, 0, 64, 64, 1, false)]
    public void Policy_UseCuBlas_BySize(CuBlasMode mode, int m, int n, int k, int batches, bool expected) =>
        Assert.That(CuBlasPolicy.UseCuBlas(mode, m, n, k, batches), Is.EqualTo(expected));

    [Test]
    public void Policy_DefaultIsAuto_AndProviderAppliesOption()
    {
        Assert.That(new ComputeOptions().CudaUseCuBlas, Is.EqualTo("auto"));
        using var created = ComputeBackendRegistry.Create("ilgpu-cpu", new ComputeOptions { CudaUseCuBlas = "never" });
        Assert.That(((IlgpuBackend)created).Device.CuBlasMode, Is.EqualTo(CuBlasMode.Never));
        using var auto = ComputeBackendRegistry.Create("ilgpu-cpu", new ComputeOptions());
        Assert.That(((IlgpuBackend)auto).Device.CuBlasMode, Is.EqualTo(CuBlasMode.Auto));
    }

    [Test]
    public void StridedBatched_EvenStrides_OneCall()
    {
        // A: 3 batches 12 apart starting at 4; B broadcast (stride 0) at 7.
        int[] offsets = [4, 7, 0, 16, 7, 0, 28, 7, 0];

        Assert.That(CuBlasStridedBatched.TryGetStrides(offsets, 3, out long strideA, out long strideB), Is.True);
        Assert.That((strideA, strideB), Is.EqualTo((12L, 0L)));
    }

    [TestCase(new[] { 0, 0, 0, 12, 0, 0, 30, 0, 0 }, 3)] // A's steps differ (12, 18): broadcast over two batch dims
    [TestCase(new[] { 12, 0, 0, 0, 0, 0 }, 2)] // descending
    [TestCase(new[] { 0, 0, 0 }, 1)] // a single product is a plain Sgemm
    [TestCase(new[] { 0, 0, 0, 8, 8, 0 }, 3)] // fewer offsets than batches
    public void StridedBatched_UnevenOrSingle_Refused(int[] offsets, int batches) =>
        Assert.That(CuBlasStridedBatched.TryGetStrides(offsets, batches, out _, out _), Is.False);

    [Test]
    public void StridedBatched_NoLibcublas_ReasonNamesWhatWasTried()
    {
        Assume.That(CuBlasStridedBatched.UnavailableReason, Is.Not.Null, "libcublas with cublasSgemmStridedBatched is loadable here; the refusal path cannot be exercised");

        Assert.That(CuBlasStridedBatched.UnavailableReason, Does.Contain("libcublas.so.12"));
    }

    [Test]
    public async Task Run_BatchedMatMulOnIlgpuCpu_NoCuBlasCallsAsync()
    {
        // cuBLAS exists only on the CUDA accelerator: the policy must never reach it on ilgpu-cpu, even with 'always'.
        await using var backend = new IlgpuBackend(IlgpuDeviceKind.CpuAccelerator);
        backend.Device.CuBlasMode = CuBlasMode.Always;
        var engine = new ComputeEngine(new ComputeOptions { Backend = "ilgpu-cpu", ModelCacheEntries = 0 }, backend);

        var check = NodeTestRunner.Run(OnnxTestData.Model("tiny_transformer_block"), engine, CancellationToken.None);

        Assert.That(check.Status, Is.EqualTo(NodeTestStatus.Passed), check.Detail);
        Assert.That(backend.DeviceRuns.Keys, Does.Contain("MatMul"));
        Assert.That(backend.Device.CuBlasCalls, Is.EqualTo((0L, 0L)));
    }
}
