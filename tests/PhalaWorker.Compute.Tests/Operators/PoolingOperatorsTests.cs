using Onnx;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Tests.Onnx;

namespace PhalaWorker.Compute.Tests.Operators;

/// <summary>
/// 2-D MaxPool on the CPU backend against the definition, over the shapes of its vector paths: stride 2 (even-element
/// gather, the last 8 outputs overlapping) and stride 1 with widths below, at and past one vector, padding, ceil mode,
/// dilation, batch &gt; 1; and NaN propagation.
/// </summary>
public sealed class PoolingOperatorsTests
{
    private static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    private static AttributeProto Int(string name, long v) => new() { Name = name, I = v, Type = AttributeProto.Types.AttributeType.Int };

    // (n, c, h, w, kernel, stride, pad, dilation, ceil)
    [TestCase(1, 3, 111, 111, 3, 2, 0, 1, 1)]
    [TestCase(2, 5, 55, 55, 3, 2, 0, 1, 1)]
    [TestCase(1, 4, 27, 27, 3, 2, 0, 1, 0)]
    [TestCase(1, 6, 19, 17, 3, 2, 1, 1, 0)]
    [TestCase(1, 4, 13, 15, 2, 2, 0, 1, 0)]
    [TestCase(1, 4, 40, 41, 5, 2, 2, 1, 1)]
    [TestCase(1, 4, 12, 16, 3, 2, 1, 1, 0)]
    [TestCase(1, 3, 7, 9, 3, 2, 0, 1, 0)]
    [TestCase(1, 3, 23, 29, 3, 2, 1, 2, 0)]
    [TestCase(2, 3, 14, 14, 3, 1, 1, 1, 0)]
    [TestCase(1, 5, 9, 7, 3, 1, 1, 1, 0)]
    [TestCase(1, 4, 28, 20, 3, 3, 1, 1, 1)]
    public void MaxPool_Shape_MatchesDefinition(int n, int c, int h, int w, int k, int stride, int pad, int dilation, int ceil)
    {
        var random = new Random(99);
        var x = Enumerable.Range(0, n * c * h * w).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        x[5] = float.NaN; // propagates to every window over it
        var reach = ((k - 1) * dilation) + 1;
        int Out(int size)
        {
            var span = size + (2 * pad) - reach;
            var o = (ceil == 1 ? (span + stride - 1) / stride : span / stride) + 1;
            // ONNX drops a last (ceil) window that starts in the end padding.
            return ceil == 1 && (o - 1) * stride >= size + pad ? o - 1 : o;
        }

        int oh = Out(h), ow = Out(w);
        var g = new GraphProto { Name = "maxpool" };
        g.Input.Add(TestModels.FloatInput("x", n, c, h, w));
        g.Output.Add(TestModels.FloatInput("y", n, c, oh, ow));
        g.Node.Add(TestModels.Node("MaxPool", ["x"], ["y"], Ints("kernel_shape", k, k), Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad),
            Ints("dilations", dilation, dilation), Int("ceil_mode", ceil)));
        var expected = new float[n * c * oh * ow];
        for (var p = 0; p < n * c; p++)
        {
            for (var oy = 0; oy < oh; oy++)
            {
                for (var ox = 0; ox < ow; ox++)
                {
                    var m = float.NegativeInfinity;
                    for (var ky = 0; ky < k; ky++)
                    {
                        for (var kx = 0; kx < k; kx++)
                        {
                            var iy = (oy * stride) - pad + (ky * dilation);
                            var ix = (ox * stride) - pad + (kx * dilation);
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                            {
                                m = MathF.Max(m, x[(((p * h) + iy) * w) + ix]);
                            }
                        }
                    }

                    expected[(((p * oh) + oy) * ow) + ox] = m;
                }
            }
        }

        foreach (var threads in new[] { 1, 2 })
        {
            var engine = new ComputeEngine(new ComputeOptions { Threads = threads }, new CpuBackend());

            var y = engine.RunTensors(engine.Load(TestModels.Model(g).Bytes()), [("x", Tensor.FromArray(x, n, c, h, w))], CancellationToken.None)[0];

            Assert.That(y.Shape.ToArray(), Is.EqualTo(new[] { n, c, oh, ow }));
            Assert.That(y.AsReadOnlySpan<float>().ToArray(), Is.EqualTo(expected), $"{threads} threads");
        }
    }
}
