using PhalaWorker.Compute.Backends.Cpu;

namespace PhalaWorker.Compute.Tests.Backends;

public sealed class SgemmTests
{
    [TestCase(1, 1, 1, false, false)]
    [TestCase(7, 33, 5, false, false)]
    [TestCase(37, 19, 300, true, false)]
    [TestCase(130, 70, 513, false, true)]
    [TestCase(13, 3100, 27, true, true)]
    public void Multiply_RandomMatrices_MatchesNaiveAndIsThreadIndependent(int m, int n, int k, bool transA, bool transB)
    {
        var random = new Random(1234 + m + n + k);
        var a = Enumerable.Range(0, m * k).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var c0 = Enumerable.Range(0, m * n).Select(_ => (float)random.NextDouble()).ToArray();
        var lda = transA ? m : k;
        var ldb = transB ? k : n;

        var c1 = (float[])c0.Clone();
        var c3 = (float[])c0.Clone();
        Sgemm.Multiply(transA, transB, m, n, k, 0.5f, a, 0, lda, b, 0, ldb, 2f, c1, 0, n, 1);
        Sgemm.Multiply(transA, transB, m, n, k, 0.5f, a, 0, lda, b, 0, ldb, 2f, c3, 0, n, 3);

        Assert.That(c3, Is.EqualTo(c1), "thread count changed the bits");
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var p = 0; p < k; p++)
                {
                    sum += (double)(transA ? a[(p * lda) + i] : a[(i * lda) + p]) * (transB ? b[(j * ldb) + p] : b[(p * ldb) + j]);
                }

                var expected = (0.5 * sum) + (2 * c0[(i * n) + j]);
                Assert.That(c1[(i * n) + j], Is.EqualTo(expected).Within(1e-4 * (1 + Math.Abs(expected))), $"C[{i},{j}]");
            }
        }
    }

    [TestCase(7, 33, 5)]
    [TestCase(130, 70, 600)]
    public void Multiply_PrepackedOperands_BitIdenticalToPackingPerCall(int m, int n, int k)
    {
        var random = new Random(99 + m + n + k);
        var a = Enumerable.Range(0, m * k).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var bias = Enumerable.Range(0, m).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var plain = new float[m * n];
        var prepacked = new float[m * n];

        Sgemm.Multiply(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, plain, 0, n, 2, bias, 0, relu: true);
        Sgemm.Multiply(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, prepacked, 0, n, 2, bias, 0, relu: true,
            prepackedA: Sgemm.PrepackA(m, k, a, 0, k), prepackedB: Sgemm.PrepackB(k, n, b, 0, n, transB: false));

        Assert.That(prepacked, Is.EqualTo(plain));
        Assert.That(plain.Min(), Is.GreaterThanOrEqualTo(0f));
    }
}
