using PhalaWorker.Compute.Backends.Ilgpu;
using PhalaWorker.Compute.Backends.Ilgpu.Kernels;

namespace PhalaWorker.Compute.Tests.Backends.IlgpuKernels;

public sealed class SpatialKernelTests(IlgpuDeviceKind kind) : IlgpuKernelTestBase(kind)
{
    [TestCase(1, 1, 1, 0, 1)]
    [TestCase(2, 1, 1, 1, 1)]
    [TestCase(1, 2, 1, 2, 1)]
    [TestCase(2, 2, 2, 1, 1)]
    [TestCase(1, 1, 1, 1, 3)]
    [TestCase(1, 3, 1, 0, 6)]
    public void Conv2D_PadsStridesDilationsGroups_MatchesReference(int batch, int stride, int dilation, int pad, int group)
    {
        int channels = 6, filters = 6, h = 7, w = 9, k = 3;
        int[] xs = [batch, channels, h, w];
        int[] ws = [filters, channels / group, k, k];
        var x = RandomData(101, ReferenceOps.Size(xs));
        var weights = RandomData(102, ReferenceOps.Size(ws));
        var bias = RandomData(103, filters);
        var geometry = SpatialGeometry.Create([h, w], [k, k], [stride, stride], [dilation, dilation], [pad, pad, pad, pad], "NOTSET", false);

        var y = Ops.Conv(Up(x, xs), Up(weights, ws), Up(bias, filters), geometry, group);

        var expected = ReferenceOps.Conv2D(x, xs, weights, ws, bias, [stride, stride], [dilation, dilation], [pad, pad, pad, pad], group, out var shape);
        Assert.That(y.Shape, Is.EqualTo(shape));
        AssertClose(Ops.Download(y), expected, 1e-4f, 1e-5f);
    }

    [Test]
    public void Conv_PointwiseKernel_UsesInputAsColumns()
    {
        int[] xs = [2, 5, 3, 4];
        int[] ws = [7, 5, 1, 1];
        var x = RandomData(111, ReferenceOps.Size(xs));
        var weights = RandomData(112, ReferenceOps.Size(ws));
        var geometry = SpatialGeometry.Create([3, 4], [1, 1], [], [], [], "NOTSET", false);

        var y = Ops.Conv(Up(x, xs), Up(weights, ws), null, geometry, 1);

        AssertClose(Ops.Download(y), ReferenceOps.Conv2D(x, xs, weights, ws, null, [1, 1], [1, 1], [0, 0, 0, 0], 1, out _), 1e-4f, 1e-5f);
    }

    [Test]
    public void Conv1D_SameUpper_MatchesTwoDimensionalReference()
    {
        int[] xs = [1, 2, 10];
        int[] ws = [3, 2, 4];
        var x = RandomData(121, 20);
        var weights = RandomData(122, 24);
        var geometry = SpatialGeometry.Create([10], [4], [2], [], [], "SAME_UPPER", false);

        var y = Ops.Conv(Up(x, xs), Up(weights, ws), null, geometry, 1);

        // SAME_UPPER, in 10, stride 2, kernel 4: out 5, total pad 2 → 1 before, 1 after.
        Assert.That(y.Shape, Is.EqualTo(new[] { 1, 3, 5 }));
        var expected = ReferenceOps.Conv2D(x, [1, 2, 1, 10], weights, [3, 2, 1, 4], null, [1, 2], [1, 1], [0, 1, 0, 1], 1, out _);
        AssertClose(Ops.Download(y), expected, 1e-4f, 1e-5f);
    }

    [TestCase(true, false, false, 0)]
    [TestCase(true, false, true, 1)]
    [TestCase(false, false, false, 1)]
    [TestCase(false, true, false, 1)]
    [TestCase(false, true, true, 1)]
    public void Pool2D_MatchesReference(bool max, bool countIncludePad, bool ceilMode, int pad)
    {
        int[] xs = [2, 3, 7, 8];
        var x = RandomData(131, ReferenceOps.Size(xs));
        var geometry = SpatialGeometry.Create([7, 8], [3, 3], [2, 2], [], [pad, pad, pad, pad], "NOTSET", ceilMode);
        int kind = max ? SpatialKernels.MaxPool : countIncludePad ? SpatialKernels.AveragePoolIncludePad : SpatialKernels.AveragePoolExcludePad;

        var y = Ops.Pool(Up(x, xs), geometry, kind);

        int[] pads = [.. geometry.PadsBegin, .. geometry.PadsEnd];
        var expected = ReferenceOps.Pool2D(x, xs, [3, 3], [2, 2], pads, geometry.Output[0], geometry.Output[1], max, countIncludePad);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 3, geometry.Output[0], geometry.Output[1] }));
        AssertClose(Ops.Download(y), expected, 1e-5f, 1e-6f);
    }

    [Test]
    public void PoolGeometry_CeilMode_DropsWindowStartingInPadding()
    {
        // in 5, kernel 2, stride 2, pad 1 each side: floor → 3, ceil → ceil(4/2)+1 = 4 but window 4 would start at 6 ≥ 5+1 → 3.
        var floor = SpatialGeometry.Create([5], [2], [2], [], [1, 1], "NOTSET", false);
        var ceil = SpatialGeometry.Create([5], [2], [2], [], [1, 1], "NOTSET", true);
        var ceilNoPad = SpatialGeometry.Create([6], [3], [2], [], [], "NOTSET", true);

        Assert.That(floor.Output, Is.EqualTo(new[] { 3 }));
        Assert.That(ceil.Output, Is.EqualTo(new[] { 3 }));
        Assert.That(ceilNoPad.Output, Is.EqualTo(new[] { 3 }));
    }

    [Test]
    public void GlobalAveragePool_MatchesReference()
    {
        var x = RandomData(141, 2 * 3 * 5 * 4);

        var y = Ops.GlobalAveragePool(Up(x, 2, 3, 5, 4));

        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 3, 1, 1 }));
        var expected = Enumerable.Range(0, 6).Select(p => (float)x.Skip(p * 20).Take(20).Average(v => (double)v)).ToArray();
        AssertClose(Ops.Download(y), expected);
    }
}
