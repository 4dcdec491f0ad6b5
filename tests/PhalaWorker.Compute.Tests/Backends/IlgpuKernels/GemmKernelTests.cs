using PhalaWorker.Compute.Backends.Ilgpu;

namespace PhalaWorker.Compute.Tests.Backends.IlgpuKernels;

/// <summary>
/// MatMul/Gemm through each GEMM kernel: "panel" (row panels, CPU default), "direct" (one thread per output) and
/// "tiled" (shared-memory tiles; 4×4 on a CPU accelerator with 16-thread groups, 16×16 on CUDA). cuBLAS is switched
/// off for these cases, so on a GPU host they test this project's kernels and not cuBLAS against itself; "cublas" cases
/// run only where cuBLAS loaded.
/// </summary>
public sealed class GemmKernelTests(IlgpuDeviceKind kind) : IlgpuKernelTestBase(kind)
{
    private int? savedTile;
    private IlgpuDevice? used;

    [TearDown]
    public void RestoreGemmKernel()
    {
        Device.UseCuBlas = true;
        if (savedTile is { } tile)
        {
            Device.GemmTile = tile;
            savedTile = null;
        }

        used?.EndJob();
        used = null;
    }

    private IlgpuOperators Use(string kernel)
    {
        if (kernel == "tiled" && Kind == IlgpuDeviceKind.CpuAccelerator)
        {
            used = IlgpuTestDevices.CpuWithTiledGemm;
            return new IlgpuOperators(used);
        }

        if (kernel == "cublas")
        {
            Assume.That(Device.CuBlas, Is.Not.Null, $"cuBLAS not loaded: {Device.CuBlasUnavailableReason}");
            Device.UseCuBlas = true;
            return Ops;
        }

        Device.UseCuBlas = false;
        savedTile ??= Device.GemmTile;
        Device.GemmTile = kernel switch
        {
            "panel" => 0,
            "direct" => 1,
            _ => 16,
        };
        return Ops;
    }

    [TestCase(1, 1, 1)]
    [TestCase(3, 5, 2)]
    [TestCase(7, 13, 5)]
    [TestCase(17, 33, 19)]
    [TestCase(1, 40, 9)]
    [TestCase(31, 1, 6)]
    public void MatMul_OddSizesNotMultipleOfTile_MatchesReference(int m, int k, int n)
    {
        foreach (string kernel in new[] { "panel", "direct", "tiled" })
        {
            OddSizeCase(Use(kernel), m, k, n);
        }
    }

    [TestCase(17, 33, 19)]
    [TestCase(64, 64, 64)]
    public void MatMul_CuBlas_MatchesReference(int m, int k, int n) => OddSizeCase(Use("cublas"), m, k, n);

    [Test]
    public void MatMul_TileGridOverDeviceLimit_SplitIntoLaunchesAndMatchesReference()
    {
        // 5 batches of [21×7]·[7×19] with 4×4 tiles need a (5, 6, 5) tile grid; with the grid limited to 2×2×2 it is
        // computed in ceil(5/2)·ceil(6/2)·ceil(5/2) = 27 launches; with 16×16 tiles on CUDA (2, 2, 5) → 3 launches. CUDA's real limits are 65,535 in y and z.
        var ops = Use("tiled");
        var device = used ?? Device;
        var savedGrid = device.MaxGrid;
        device.MaxGrid = new ILGPU.Index3D(2, 2, 2);
        try
        {
            int[] aShape = [5, 21, 7];
            int[] bShape = [5, 7, 19];
            var a = RandomData(11, ReferenceOps.Size(aShape));
            var b = RandomData(12, ReferenceOps.Size(bShape));
            long launches = device.GemmLaunches;

            var y = ops.MatMul(ops.Upload(a, aShape), ops.Upload(b, bShape));

            Assert.That(device.GemmLaunches - launches, Is.EqualTo(Kind == IlgpuDeviceKind.CpuAccelerator ? 27 : 3));
            var expected = ReferenceOps.MatMul(a, aShape, b, bShape, out var shape);
            Assert.That(y.Shape, Is.EqualTo(shape));
            AssertClose(ops.Download(y), expected, 1e-4f, 1e-5f);
        }
        finally
        {
            device.MaxGrid = savedGrid;
        }
    }

    private static void OddSizeCase(IlgpuOperators ops, int m, int k, int n)
    {
        var a = RandomData(m * 1000 + k, m * k);
        var b = RandomData(n * 1000 + k, k * n);

        var y = ops.MatMul(ops.Upload(a, m, k), ops.Upload(b, k, n));

        var expected = ReferenceOps.MatMul(a, [m, k], b, [k, n], out var shape);
        Assert.That(y.Shape, Is.EqualTo(shape));
        AssertClose(ops.Download(y), expected, 1e-4f, 1e-5f);
    }

    [Test]
    public void MatMul_BatchBroadcast_MatchesReference([Values("panel", "direct", "tiled")] string kernel)
    {
        var ops = Use(kernel);
        int[] aShape = [2, 1, 5, 7];
        int[] bShape = [3, 7, 4];
        var a = RandomData(1, ReferenceOps.Size(aShape));
        var b = RandomData(2, ReferenceOps.Size(bShape));

        var y = ops.MatMul(ops.Upload(a, aShape), ops.Upload(b, bShape));

        var expected = ReferenceOps.MatMul(a, aShape, b, bShape, out var shape);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 3, 5, 4 }));
        Assert.That(shape, Is.EqualTo(y.Shape));
        AssertClose(ops.Download(y), expected, 1e-4f, 1e-5f);
    }

    [Test]
    public void MatMul_OneDimensionalOperands_PromotedAndSqueezed([Values("panel", "direct", "tiled")] string kernel)
    {
        var ops = Use(kernel);
        var a = RandomData(3, 6);
        var b = RandomData(4, 6 * 4);
        var v = RandomData(5, 4);

        var vecMat = ops.MatMul(ops.Upload(a, 6), ops.Upload(b, 6, 4));
        var matVec = ops.MatMul(ops.Upload(b, 6, 4), ops.Upload(v, 4));

        Assert.That(vecMat.Shape, Is.EqualTo(new[] { 4 }));
        AssertClose(ops.Download(vecMat), ReferenceOps.MatMul(a, [1, 6], b, [6, 4], out _), 1e-4f, 1e-5f);
        Assert.That(matVec.Shape, Is.EqualTo(new[] { 6 }));
        AssertClose(ops.Download(matVec), ReferenceOps.MatMul(b, [6, 4], v, [4, 1], out _), 1e-4f, 1e-5f);
    }

    [TestCase(false, false, 1f, 1f, new[] { 5 })]
    [TestCase(true, false, 0.5f, 2f, new[] { 9, 5 })]
    [TestCase(false, true, 1.5f, -1f, new[] { 9, 1 })]
    [TestCase(true, true, 1f, 0.25f, new[] { 1 })]
    [TestCase(true, true, 2f, 1f, new int[0])]
    public void Gemm_TransposesAlphaBetaAndBroadcastC_MatchesReference(bool transA, bool transB, float alpha, float beta, int[] cShape)
    {
        foreach (string kernel in new[] { "panel", "direct", "tiled" })
        {
            var ops = Use(kernel);
            GemmCase(ops, transA, transB, alpha, beta, cShape);
        }
    }

    private static void GemmCase(IlgpuOperators ops, bool transA, bool transB, float alpha, float beta, int[] cShape)
    {
        const int M = 9, K = 11, N = 5;
        int[] aShape = transA ? [K, M] : [M, K];
        int[] bShape = transB ? [N, K] : [K, N];
        var a = RandomData(11, M * K);
        var b = RandomData(12, K * N);
        var c = RandomData(13, ReferenceOps.Size(cShape));

        var y = ops.Gemm(ops.Upload(a, aShape), ops.Upload(b, bShape), ops.Upload(c, cShape), alpha, beta, transA, transB);

        var expected = ReferenceOps.Gemm(a, aShape, b, bShape, c, cShape, alpha, beta, transA, transB);
        Assert.That(y.Shape, Is.EqualTo(new[] { M, N }));
        AssertClose(ops.Download(y), expected, 1e-4f, 1e-5f);
    }

    [Test]
    public void Gemm_WithoutC_MatchesReference([Values("panel", "direct", "tiled")] string kernel)
    {
        var ops = Use(kernel);
        var a = RandomData(21, 6 * 10);
        var b = RandomData(22, 10 * 3);

        var y = ops.Gemm(ops.Upload(a, 6, 10), ops.Upload(b, 10, 3), null, 1f, 1f, false, false);

        AssertClose(ops.Download(y), ReferenceOps.Gemm(a, [6, 10], b, [10, 3], null, null, 1f, 1f, false, false), 1e-4f, 1e-5f);
    }

    [Test]
    public void MatMul_SameInputTwice_BitIdentical([Values("panel", "direct", "tiled")] string kernel)
    {
        var ops = Use(kernel);
        var a = RandomData(31, 23 * 37);
        var b = RandomData(32, 37 * 29);

        var first = ops.Download(ops.MatMul(ops.Upload(a, 23, 37), ops.Upload(b, 37, 29)));
        (used ?? Device).EndJob();
        var second = ops.Download(ops.MatMul(ops.Upload(a, 23, 37), ops.Upload(b, 37, 29)));

        Assert.That(second.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(first.Select(BitConverter.SingleToInt32Bits)));
    }

    [Test]
    public void MatMul_PanelDirectAndTiledKernels_BitIdentical()
    {
        // All three kernels sum each output's products from k = 0 upwards, so they agree to the bit.
        var a = RandomData(41, 13 * 29);
        var b = RandomData(42, 29 * 11);
        var results = new List<int[]>();
        foreach (string kernel in new[] { "panel", "direct", "tiled" })
        {
            var ops = Use(kernel);
            results.Add([.. ops.Download(ops.MatMul(ops.Upload(a, 13, 29), ops.Upload(b, 29, 11))).Select(BitConverter.SingleToInt32Bits)]);
        }

        Assert.That(results[1], Is.EqualTo(results[0]));
        Assert.That(results[2], Is.EqualTo(results[0]));
    }
}
