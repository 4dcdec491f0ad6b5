using Onnx;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Operators;
using PhalaWorker.Compute.Tests.Onnx;

namespace PhalaWorker.Compute.Tests.Operators;

/// <summary>
/// The Winograd F(2,3) path of 3×3 stride-1 Conv against the direct convolution written out in double: odd sizes,
/// sizes that are not a multiple of the 2×2 tile, padding 0, 1 and asymmetric, batch 2, channel counts that are not a
/// multiple of the vector width, with and without bias and the fused Relu; the same bits at 1, 2 and 3 threads; and the
/// switch that turns it off (the im2col path then runs, so the two differ only in rounding).
/// </summary>
[NonParallelizable] // changes the process-wide Winograd switch
public sealed class Winograd3x3Tests
{
    [TearDown]
    public void TearDown() => Winograd3x3.Enabled = true;

    public sealed record Shape(int N, int C, int H, int W, int M, int PadTop, int PadLeft, int PadBottom, int PadRight, bool Bias = true, bool Relu = true)
    {
        public int OH => H + PadTop + PadBottom - 2;

        public int OW => W + PadLeft + PadRight - 2;

        public override string ToString() => $"n{N} c{C} {H}x{W} m{M} pads {PadTop},{PadLeft},{PadBottom},{PadRight}{(Bias ? " bias" : "")}{(Relu ? " relu" : "")}";
    }

    private static IEnumerable<TestCaseData> Shapes()
    {
        yield return new TestCaseData(new Shape(1, 16, 10, 10, 16, 0, 0, 0, 0, Bias: false, Relu: false)); // outputs 8×8 (the smallest), no padding
        yield return new TestCaseData(new Shape(1, 17, 13, 11, 19, 1, 1, 1, 1)); // odd everything, odd output (tile tail)
        yield return new TestCaseData(new Shape(2, 24, 15, 20, 33, 1, 1, 1, 1, Relu: false)); // batch 2
        yield return new TestCaseData(new Shape(1, 20, 16, 17, 18, 0, 2, 1, 0)); // asymmetric padding
        yield return new TestCaseData(new Shape(2, 33, 14, 9, 16, 2, 1, 0, 1, Bias: false)); // asymmetric, odd output width
        yield return new TestCaseData(new Shape(1, 64, 28, 28, 70, 1, 1, 1, 1)); // a resnet-like stage, enough for the parallel splits
    }

    [TestCaseSource(nameof(Shapes))]
    public void Conv_WinogradShape_MatchesDirectDouble(Shape s)
    {
        var x = Random(s.N * s.C * s.H * s.W, 31);
        var w = Random(s.M * s.C * 9, 32);
        var b = Random(s.M, 33);
        var model = Model(s, w, b);
        var (expected, magnitude) = Reference(s, x, w, b);
        var geo = new[] { s.OH, s.OW };
        Assert.That(geo.Min(), Is.GreaterThanOrEqualTo(Winograd3x3.MinSpatial), "the shape must take the Winograd path");

        var actual = Run(model, s, x, 1);

        for (var i = 0; i < expected.Length; i++)
        {
            // A bound relative to Σ|x·w| (the scale of the rounding of any summation order), not to the result itself.
            var tolerance = 1e-6 + (2e-6 * magnitude[i]);
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tolerance), $"element {i}");
        }
    }

    [Test]
    public void Conv_Winograd_SameBitsAt1To3Threads()
    {
        var s = new Shape(2, 48, 30, 27, 40, 1, 1, 1, 1);
        var x = Random(s.N * s.C * s.H * s.W, 41);
        var model = Model(s, Random(s.M * s.C * 9, 42), Random(s.M, 43));

        var one = Run(model, s, x, 1);

        Assert.That(Run(model, s, x, 2), Is.EqualTo(one));
        Assert.That(Run(model, s, x, 3), Is.EqualTo(one));
    }

    [Test]
    public void Conv_WinogradOff_RunsIm2ColWithinRounding()
    {
        var s = new Shape(1, 32, 21, 19, 32, 1, 1, 1, 1);
        var x = Random(s.C * s.H * s.W, 51);
        var model = Model(s, Random(s.M * s.C * 9, 52), Random(s.M, 53));

        var winograd = Run(model, s, x, 1);
        Winograd3x3.Enabled = false;
        var im2col = Run(model, s, x, 1);

        Assert.That(im2col, Is.Not.EqualTo(winograd), "different summation orders round differently: the switch took effect");
        Assert.That(im2col, Is.EqualTo(winograd).Within(1e-4f));
    }

    [TestCase(15, 16, 20, 1, 1, 1)]
    [TestCase(16, 15, 20, 1, 1, 1)]
    [TestCase(16, 16, 7, 1, 1, 1)]
    [TestCase(16, 16, 20, 2, 1, 1)]
    [TestCase(16, 16, 20, 1, 2, 1)]
    [TestCase(16, 16, 20, 1, 1, 2)]
    public void Applies_BelowThresholdOrOtherGeometry_False(int channels, int maps, int outH, int stride, int dilation, int group)
    {
        var geo = new PoolGeometry
        {
            Input = [outH + 2, 22],
            Kernel = [3, 3],
            Strides = [stride, stride],
            Dilations = [dilation, dilation],
            PadBegin = [0, 0],
            PadEnd = [0, 0],
            Output = [outH, 20],
        };

        Assert.That(Winograd3x3.Applies(geo, group, channels * group, maps * group), Is.False);
        Assert.That(Winograd3x3.Applies(new PoolGeometry
        {
            Input = [22, 22], Kernel = [3, 3], Strides = [1, 1], Dilations = [1, 1], PadBegin = [0, 0], PadEnd = [0, 0], Output = [20, 20],
        }, 1, 16, 16), Is.True, "the smallest shape that takes the path");
    }

    private static float[] Run(byte[] model, Shape s, float[] x, int threads)
    {
        var engine = new ComputeEngine(new ComputeOptions { Threads = threads }, new CpuBackend());
        var y = engine.RunTensors(engine.Load(model), [("x", Tensor.FromArray(x, s.N, s.C, s.H, s.W))], CancellationToken.None)[0];
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new[] { s.N, s.M, s.OH, s.OW }));
        return y.AsReadOnlySpan<float>().ToArray();
    }

    private static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
    }

    private static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    /// <summary>Conv with initializer weights (so they are prepared once), optionally bias and a Relu the optimizer fuses.</summary>
    private static byte[] Model(Shape s, float[] w, float[] b)
    {
        var g = new GraphProto { Name = "winograd" };
        g.Input.Add(TestModels.FloatInput("x", s.N, s.C, s.H, s.W));
        g.Output.Add(TestModels.FloatInput("y", s.N, s.M, s.OH, s.OW));
        g.Initializer.Add(TestModels.FloatTensor("w", w, s.M, s.C, 3, 3));
        string[] inputs = ["x", "w"];
        if (s.Bias)
        {
            g.Initializer.Add(TestModels.FloatTensor("b", b, s.M));
            inputs = ["x", "w", "b"];
        }

        g.Node.Add(TestModels.Node("Conv", inputs, [s.Relu ? "c" : "y"], Ints("kernel_shape", 3, 3), Ints("pads", s.PadTop, s.PadLeft, s.PadBottom, s.PadRight)));
        if (s.Relu)
        {
            g.Node.Add(TestModels.Node("Relu", ["c"], ["y"]));
        }

        return TestModels.Model(g).Bytes();
    }

    private static (float[] Y, double[] Magnitude) Reference(Shape s, float[] x, float[] w, float[] b)
    {
        var y = new float[s.N * s.M * s.OH * s.OW];
        var magnitude = new double[y.Length];
        for (var n = 0; n < s.N; n++)
        {
            for (var m = 0; m < s.M; m++)
            {
                for (var oy = 0; oy < s.OH; oy++)
                {
                    for (var ox = 0; ox < s.OW; ox++)
                    {
                        double acc = s.Bias ? b[m] : 0;
                        var abs = Math.Abs(acc);
                        for (var c = 0; c < s.C; c++)
                        {
                            for (var ky = 0; ky < 3; ky++)
                            {
                                for (var kx = 0; kx < 3; kx++)
                                {
                                    var iy = oy - s.PadTop + ky;
                                    var ix = ox - s.PadLeft + kx;
                                    if (iy >= 0 && iy < s.H && ix >= 0 && ix < s.W)
                                    {
                                        var term = (double)x[(((((n * s.C) + c) * s.H) + iy) * s.W) + ix] * w[(((((m * s.C) + c) * 3) + ky) * 3) + kx];
                                        acc += term;
                                        abs += Math.Abs(term);
                                    }
                                }
                            }
                        }

                        var i = (((((n * s.M) + m) * s.OH) + oy) * s.OW) + ox;
                        y[i] = (float)(s.Relu ? Math.Max(0, acc) : acc);
                        magnitude[i] = abs;
                    }
                }
            }
        }

        return (y, magnitude);
    }
}
