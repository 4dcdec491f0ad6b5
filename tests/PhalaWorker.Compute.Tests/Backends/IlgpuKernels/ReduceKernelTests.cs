using PhalaWorker.Compute.Backends.Ilgpu;

namespace PhalaWorker.Compute.Tests.Backends.IlgpuKernels;

public sealed class ReduceKernelTests(IlgpuDeviceKind kind) : IlgpuKernelTestBase(kind)
{
    [TestCase(new long[] { 1 }, true, false)]
    [TestCase(new long[] { 0, 2 }, false, true)]
    [TestCase(new long[] { -1 }, true, true)]
    [TestCase(new long[0], false, false)]
    [TestCase(new long[] { 0, 1, 2, 3 }, true, true)]
    public void Reduce_Axes_MatchesReference(long[] axes, bool keepDims, bool mean)
    {
        int[] shape = [3, 4, 5, 2];
        var x = RandomData(151, 120);

        var y = Ops.Reduce(Up(x, shape), axes, keepDims, noopWithEmptyAxes: false, mean);

        var reduced = new bool[4];
        foreach (long a in axes)
        {
            reduced[a < 0 ? a + 4 : a] = true;
        }

        if (axes.Length == 0)
        {
            Array.Fill(reduced, true);
        }

        var expected = ReferenceOps.Reduce(x, shape, reduced, mean, out var kept);
        int[] expectedShape = keepDims ? kept : [.. shape.Where((_, i) => !reduced[i])];
        Assert.That(y.Shape, Is.EqualTo(expectedShape));
        AssertClose(Ops.Download(y), expected, 1e-5f, 1e-5f);
    }

    [Test]
    public void Reduce_EmptyAxesWithNoop_ReturnsInput()
    {
        var x = RandomData(152, 6);

        var y = Ops.Reduce(Up(x, 2, 3), [], keepDims: true, noopWithEmptyAxes: true, mean: false);

        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(Ops.Download(y), Is.EqualTo(x));
    }
}
