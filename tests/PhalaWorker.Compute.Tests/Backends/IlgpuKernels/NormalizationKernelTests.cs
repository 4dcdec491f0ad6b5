using PhalaWorker.Compute.Backends.Ilgpu;

namespace PhalaWorker.Compute.Tests.Backends.IlgpuKernels;

public sealed class NormalizationKernelTests(IlgpuDeviceKind kind) : IlgpuKernelTestBase(kind)
{
    [TestCase(0, false)]
    [TestCase(1, false)]
    [TestCase(2, true)]
    [TestCase(-1, false)]
    [TestCase(-2, true)]
    public void Softmax_Axis_MatchesReference(int axis, bool log)
    {
        int[] shape = [3, 5, 7];
        var x = RandomData(71, 105, -10f, 10f);

        var y = Ops.Softmax(Up(x, shape), axis, log, coerceTo2D: false);

        int a = axis < 0 ? axis + 3 : axis;
        int outer = shape[..a].Aggregate(1, (p, d) => p * d);
        int inner = shape[(a + 1)..].Aggregate(1, (p, d) => p * d);
        AssertClose(Ops.Download(y), ReferenceOps.Softmax(x, outer, shape[a], inner, log), 1e-5f, 1e-6f);
    }

    [Test]
    public void Softmax_Opset11CoercesTo2D_MatchesReference()
    {
        var x = RandomData(72, 60);

        var y = Ops.Softmax(Up(x, 3, 4, 5), 1, log: false, coerceTo2D: true);

        AssertClose(Ops.Download(y), ReferenceOps.Softmax(x, 3, 20, 1, false), 1e-5f, 1e-6f);
    }

    [TestCase(-1, true)]
    [TestCase(1, false)]
    [TestCase(0, true)]
    public void LayerNorm_Axis_MatchesReference(int axis, bool withBias)
    {
        int[] shape = [2, 3, 5];
        int a = axis < 0 ? axis + 3 : axis;
        int rows = shape[..a].Aggregate(1, (p, d) => p * d);
        int size = 30 / rows;
        var x = RandomData(81, 30, -4f, 4f);
        var scale = RandomData(82, size);
        var bias = RandomData(83, size);

        var (y, mean, invStd) = Ops.LayerNorm(Up(x, shape), Up(scale, shape[a..]), withBias ? Up(bias, shape[a..]) : null, axis, 1e-5f);

        var expected = new float[30];
        var expectedMean = new float[rows];
        var expectedInv = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            double m = x.Skip(r * size).Take(size).Average(v => (double)v);
            double variance = x.Skip(r * size).Take(size).Average(v => (v - m) * (v - m));
            double inv = 1 / Math.Sqrt(variance + 1e-5);
            expectedMean[r] = (float)m;
            expectedInv[r] = (float)inv;
            for (int k = 0; k < size; k++)
            {
                expected[(r * size) + k] = (float)(((x[(r * size) + k] - m) * inv * scale[k]) + (withBias ? bias[k] : 0));
            }
        }

        AssertClose(Ops.Download(y), expected, 1e-4f, 1e-5f);
        AssertClose(Ops.Download(mean), expectedMean, 1e-4f, 1e-5f);
        AssertClose(Ops.Download(invStd), expectedInv, 1e-4f, 1e-5f);
        Assert.That(mean.Shape, Is.EqualTo(shape[..a].Concat(Enumerable.Repeat(1, 3 - a))));
    }

    [Test]
    public void BatchNorm_Inference_MatchesReference()
    {
        int[] shape = [2, 3, 4, 5];
        var x = RandomData(91, 120);
        float[] scale = [0.5f, 1f, 2f];
        float[] bias = [0f, 0.1f, -1f];
        float[] mean = [0.2f, -0.3f, 0f];
        float[] variance = [1f, 0.5f, 2f];

        var y = Ops.BatchNorm(Up(x, shape), Up(scale, 3), Up(bias, 3), Up(mean, 3), Up(variance, 3), 1e-5f);

        var expected = x.Select((v, i) =>
        {
            int c = (i / 20) % 3;
            return (float)(((v - mean[c]) / Math.Sqrt(variance[c] + 1e-5) * scale[c]) + bias[c]);
        }).ToArray();
        AssertClose(Ops.Download(y), expected);
    }
}
