using Onnx;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Operators;
using PhalaWorker.Compute.Tests.Onnx;

namespace PhalaWorker.Compute.Tests.Operators;

/// <summary>
/// Conv (+ the fused Relu) on the CPU backend against the definition written out in double, over the shapes that pick
/// each path: im2col at stride 1 and 2 (the vectorized stride-2 gather, with padding on either side and odd widths),
/// pointwise, transposed narrow outputs, batch &gt; 1 and groups; and the column-chunked im2col gives the same bits as
/// one whole im2col. Winograd is off here (these are the im2col paths); <see cref="Winograd3x3Tests"/> covers it.
/// </summary>
[NonParallelizable] // changes Sgemm's process-wide chunk size and the Winograd switch
public sealed class ConvOperatorsTests
{
    private int _chunk;
    private long _threshold;

    [SetUp]
    public void SetUp()
    {
        _chunk = Sgemm.ProducedChunkFloats;
        _threshold = Sgemm.ParallelThreshold;
        Winograd3x3.Enabled = false;
    }

    [TearDown]
    public void TearDown()
    {
        Sgemm.ProducedChunkFloats = _chunk;
        Sgemm.ParallelThreshold = _threshold;
        Winograd3x3.Enabled = true;
    }

    private static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    private static AttributeProto Int(string name, long v) => new() { Name = name, I = v, Type = AttributeProto.Types.AttributeType.Int };

    private static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
    }

    /// <summary>Conv (weights and bias as initializers, so they are prepacked) followed by Relu, which the optimizer fuses.</summary>
    private static byte[] ConvRelu(Shape s, float[] w, float[] b)
    {
        var g = new GraphProto { Name = "conv" };
        g.Input.Add(TestModels.FloatInput("x", s.N, s.C, s.H, s.W));
        g.Output.Add(TestModels.FloatInput("y", s.N, s.M, s.OH, s.OW));
        g.Initializer.Add(TestModels.FloatTensor("w", w, s.M, s.C / s.Group, s.K, s.K));
        g.Initializer.Add(TestModels.FloatTensor("b", b, s.M));
        g.Node.Add(TestModels.Node("Conv", ["x", "w", "b"], ["c"], Ints("kernel_shape", s.K, s.K), Ints("strides", s.Stride, s.Stride),
            Ints("pads", s.PadTop, s.PadLeft, s.PadBottom, s.PadRight), Int("group", s.Group)));
        g.Node.Add(TestModels.Node("Relu", ["c"], ["y"]));
        return TestModels.Model(g).Bytes();
    }

    public sealed record Shape(int N, int C, int H, int W, int M, int K, int Stride, int PadTop, int PadLeft, int PadBottom, int PadRight, int Group = 1)
    {
        public int OH => ((H + PadTop + PadBottom - K) / Stride) + 1;

        public int OW => ((W + PadLeft + PadRight - K) / Stride) + 1;

        public override string ToString() => $"n{N} c{C} {H}x{W} m{M} k{K} s{Stride} pads {PadTop},{PadLeft},{PadBottom},{PadRight} g{Group}";
    }

    private static IEnumerable<TestCaseData> Shapes()
    {
        // Stride 2: a stem (3 channels, wide rows past 16 so the vector gather runs, odd widths for its scalar tail),
        // padding on the left and right (the vector loop starts late and stops early), 1×1 and 3×3 at stride 2.
        yield return new TestCaseData(new Shape(1, 3, 37, 45, 16, 3, 2, 0, 0, 0, 0));
        yield return new TestCaseData(new Shape(2, 3, 40, 41, 8, 3, 2, 1, 1, 1, 1));
        yield return new TestCaseData(new Shape(1, 5, 23, 53, 12, 7, 2, 3, 2, 1, 3));
        yield return new TestCaseData(new Shape(1, 7, 29, 35, 9, 1, 2, 0, 0, 0, 0));
        yield return new TestCaseData(new Shape(1, 4, 9, 9, 8, 3, 2, 1, 1, 1, 1));
        // Stride 1: im2col (odd channels, padding), pointwise, a narrow output that runs transposed, batch 2, groups.
        yield return new TestCaseData(new Shape(1, 3, 31, 33, 10, 3, 1, 1, 1, 1, 1));
        yield return new TestCaseData(new Shape(2, 16, 19, 21, 24, 3, 1, 1, 1, 1, 1));
        yield return new TestCaseData(new Shape(1, 9, 17, 15, 40, 1, 1, 0, 0, 0, 0));
        yield return new TestCaseData(new Shape(1, 24, 7, 7, 64, 3, 1, 1, 1, 1, 1));
        yield return new TestCaseData(new Shape(2, 6, 12, 13, 8, 3, 1, 0, 1, 2, 0, Group: 2));
    }

    [TestCaseSource(nameof(Shapes))]
    public void Conv_Shape_MatchesDefinition(Shape s)
    {
        var x = Random(s.N * s.C * s.H * s.W, 11);
        var w = Random(s.M * (s.C / s.Group) * s.K * s.K, 12);
        var b = Random(s.M, 13);
        var model = ConvRelu(s, w, b);
        var expected = Reference(s, x, w, b);
        foreach (var threads in new[] { 1, 2 })
        {
            var engine = new ComputeEngine(new ComputeOptions { Threads = threads }, new CpuBackend());

            var y = engine.RunTensors(engine.Load(model), [("x", Tensor.FromArray(x, s.N, s.C, s.H, s.W))], CancellationToken.None)[0];

            Assert.That(y.Shape.ToArray(), Is.EqualTo(new[] { s.N, s.M, s.OH, s.OW }));
            var actual = y.AsReadOnlySpan<float>().ToArray();
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-5 + (1e-5 * Math.Abs(expected[i]))), $"{threads} threads, element {i}");
            }
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    public void Conv_ChunkedIm2Col_SameBitsAsWhole(int threads)
    {
        // 64 maps × 29·31 outputs × k 144: wide enough to split into many column chunks of the smallest size.
        var s = new Shape(1, 16, 29, 31, 64, 3, 1, 1, 1, 1, 1);
        var x = Random(s.C * s.H * s.W, 21);
        var model = ConvRelu(s, Random(s.M * s.C * 9, 22), Random(s.M, 23));
        Sgemm.ParallelThreshold = 0;
        float[] Run(int chunk)
        {
            Sgemm.ProducedChunkFloats = chunk;
            var engine = new ComputeEngine(new ComputeOptions { Threads = threads }, new CpuBackend());
            return engine.RunTensors(engine.Load(model), [("x", Tensor.FromArray(x, s.N, s.C, s.H, s.W))], CancellationToken.None)[0].AsReadOnlySpan<float>().ToArray();
        }

        var whole = Run(int.MaxValue);
        var chunked = Run(1);

        Assert.That(chunked, Is.EqualTo(whole));
    }

    private static float[] Reference(Shape s, float[] x, float[] w, float[] b)
    {
        var y = new float[s.N * s.M * s.OH * s.OW];
        var cg = s.C / s.Group;
        var mg = s.M / s.Group;
        for (var n = 0; n < s.N; n++)
        {
            for (var m = 0; m < s.M; m++)
            {
                var g = m / mg;
                for (var oy = 0; oy < s.OH; oy++)
                {
                    for (var ox = 0; ox < s.OW; ox++)
                    {
                        double acc = b[m];
                        for (var c = 0; c < cg; c++)
                        {
                            for (var ky = 0; ky < s.K; ky++)
                            {
                                for (var kx = 0; kx < s.K; kx++)
                                {
                                    var iy = (oy * s.Stride) - s.PadTop + ky;
                                    var ix = (ox * s.Stride) - s.PadLeft + kx;
                                    if (iy >= 0 && iy < s.H && ix >= 0 && ix < s.W)
                                    {
                                        acc += (double)x[(((((n * s.C) + (g * cg) + c) * s.H) + iy) * s.W) + ix] * w[(((((m * cg) + c) * s.K) + ky) * s.K) + kx];
                                    }
                                }
                            }
                        }

                        y[(((((n * s.M) + m) * s.OH) + oy) * s.OW) + ox] = (float)Math.Max(0, acc);
                    }
                }
            }
        }

        return y;
    }
}
