using PhalaWorker.Compute.Backends.Cpu;

namespace PhalaWorker.Compute.Tests.Backends;

/// <summary>
/// Bit-level checks of the <see cref="Sgemm"/> kernel variants: every C element must come out identical whatever the
/// thread split, the number of live rows in its tile, the tile's column count, prepacking and the vector width.
/// </summary>
[NonParallelizable]
public sealed class SgemmKernelTests
{
    private bool _vector512;
    private bool _directB;
    private long _threshold;

    [SetUp]
    public void SetUp()
    {
        _vector512 = Sgemm.UseVector512;
        _directB = Sgemm.DirectB;
        _threshold = Sgemm.ParallelThreshold;
        Sgemm.ParallelThreshold = 0; // split even tiny products, so the tests exercise the parallel slabs
    }

    [TearDown]
    public void TearDown()
    {
        Sgemm.UseVector512 = _vector512;
        Sgemm.DirectB = _directB;
        Sgemm.ParallelThreshold = _threshold;
    }

    private static IEnumerable<TestCaseData> Shapes()
    {
        foreach (var m in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 40 })
        {
            foreach (var (n, k) in new[] { (1, 1), (17, 300), (32, 7), (33, 600), (70, 257), (100, 40), (64, 256), (95, 200) })
            {
                yield return new TestCaseData(m, n, k);
            }
        }
    }

    private static float[] Random(int count, int seed, double offset = 0.5)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - offset)).ToArray();
    }

    private static float[] Run(int m, int n, int k, float[] a, float[] b, float[] c0, float alpha, float beta, int threads,
        float[]? bias = null, bool relu = false, bool prepack = false, bool transA = false, bool transB = false)
    {
        var c = (float[])c0.Clone();
        var lda = transA ? m : k;
        var ldb = transB ? k : n;
        Sgemm.Multiply(transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, n, threads, bias, 0, relu,
            prepack && !transA ? Sgemm.PrepackA(m, k, a, 0, k) : null,
            prepack ? Sgemm.PrepackB(k, n, b, 0, ldb, transB) : null);
        return c;
    }

    [TestCaseSource(nameof(Shapes))]
    public void Multiply_AllVariants_SameBitsAndCloseToNaive(int m, int n, int k)
    {
        var a = Random(m * k, m + (7 * n) + (13 * k));
        var b = Random(k * n, 1 + m + n + k);
        var c0 = Random(m * n, 2 + m + n + k, 0);
        var bias = Random(m, 3 + m);
        foreach (var (alpha, beta) in new[] { (1f, 0f), (1f, 1f), (1f, 2f), (0.5f, 0f), (0.5f, 2f) })
        {
            foreach (var biasRelu in new[] { false, true })
            {
                var rb = biasRelu ? bias : null;
                Sgemm.UseVector512 = _vector512;
                Sgemm.DirectB = false;
                var reference = Run(m, n, k, a, b, c0, alpha, beta, 1, rb, biasRelu);
                Sgemm.DirectB = true;
                var what = $"alpha {alpha} beta {beta} bias+relu {biasRelu}";
                Assert.That(Run(m, n, k, a, b, c0, alpha, beta, 2, rb, biasRelu), Is.EqualTo(reference), $"2 threads, {what}");
                Assert.That(Run(m, n, k, a, b, c0, alpha, beta, 3, rb, biasRelu), Is.EqualTo(reference), $"3 threads, {what}");
                Assert.That(Run(m, n, k, a, b, c0, alpha, beta, 2, rb, biasRelu, prepack: true), Is.EqualTo(reference), $"prepacked, {what}");
                Sgemm.UseVector512 = false;
                Assert.That(Run(m, n, k, a, b, c0, alpha, beta, 1, rb, biasRelu), Is.EqualTo(reference), $"Vector256, {what}");
                Assert.That(Run(m, n, k, a, b, c0, alpha, beta, 3, rb, biasRelu, prepack: true), Is.EqualTo(reference), $"Vector256 prepacked, {what}");
                Assert.That(Run(m, n, k, a, b, c0, alpha, beta, 2, rb, biasRelu), Is.EqualTo(reference), $"Vector256 B in place, {what}");

                for (var i = 0; i < m; i++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        double sum = 0;
                        for (var p = 0; p < k; p++)
                        {
                            sum += (double)a[(i * k) + p] * b[(p * n) + j];
                        }

                        var expected = (alpha * sum) + (beta * c0[(i * n) + j]) + (biasRelu ? bias[i] : 0);
                        expected = biasRelu ? Math.Max(0, expected) : expected;
                        Assert.That(reference[(i * n) + j], Is.EqualTo(expected).Within(1e-4 * (1 + Math.Abs(expected))), $"C[{i},{j}], {what}");
                    }
                }
            }
        }
    }

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void Multiply_RowAndColumnSubsets_SameBitsAsWhole(bool transA, bool transB)
    {
        // Each element's value must not depend on which tile (full or partial rows/columns) computed it.
        const int m = 29, n = 75, k = 530;
        var a = Random(m * k, 5);
        var b = Random(k * n, 6);
        var whole = Run(m, n, k, a, b, new float[m * n], 1f, 0f, 2, transA: transA, transB: transB);
        var lda = transA ? m : k;
        var ldb = transB ? k : n;
        foreach (var (r0, rows) in new[] { (0, 1), (3, 1), (5, 4), (1, 13), (16, 13) })
        {
            foreach (var (c0, cols) in new[] { (0, 75), (3, 1), (31, 33), (40, 17) })
            {
                var part = new float[rows * n];
                var aOff = transA ? r0 : r0 * k;
                var bOff = transB ? c0 * k : c0;
                Sgemm.Multiply(transA, transB, rows, cols, k, 1f, a, aOff, lda, b, bOff, ldb, 0f, part, 0, n, 1);
                for (var i = 0; i < rows; i++)
                {
                    for (var j = 0; j < cols; j++)
                    {
                        Assert.That(part[(i * n) + j], Is.EqualTo(whole[((r0 + i) * n) + c0 + j]), $"rows {r0}+{rows}, cols {c0}+{cols}: C[{r0 + i},{c0 + j}]");
                    }
                }
            }
        }
    }
}
