using Onnx;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Tests.Onnx;

namespace PhalaWorker.Compute.Tests.Operators;

/// <summary>LRN against its definition written out in double (even and odd window sizes, 3-D input), and its attribute checks.</summary>
public sealed class LrnTests
{
    private static ModelProto Lrn(long[] dims, params AttributeProto[] attributes)
    {
        var g = new GraphProto { Name = "lrn" };
        g.Input.Add(TestModels.FloatInput("x", dims));
        g.Output.Add(TestModels.FloatInput("y", dims));
        g.Node.Add(TestModels.Node("LRN", ["x"], ["y"], attributes));
        return TestModels.Model(g);
    }

    private static AttributeProto Int(string name, long v) => new() { Name = name, I = v, Type = AttributeProto.Types.AttributeType.Int };

    private static AttributeProto Float(string name, float v) => new() { Name = name, F = v, Type = AttributeProto.Types.AttributeType.Float };

    // float32 is evaluated in one Vector256 pass (exp/log or rsqrt for β = 0.75), so it is compared with the double-precision
    // definition within 8 ulps; widths 3 and 19 cover a tail-only row and a vector + tail row.
    [TestCase(1, 2, 0.6f, 3)]
    [TestCase(2, 4, 0.6f, 3)]
    [TestCase(2, 5, 0.6f, 19)]
    [TestCase(1, 5, 0.75f, 19)]
    [TestCase(2, 3, 0.75f, 3)]
    public void Lrn_ThreeDimensionalInput_MatchesDefinition(int threads, int size, float beta, int width)
    {
        const int n = 2, channels = 7;
        var random = new Random(4711);
        var x = Enumerable.Range(0, n * channels * width).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        var engine = new ComputeEngine(new ComputeOptions { Threads = threads }, new CpuBackend());
        var model = engine.Load(Lrn([n, channels, width], Int("size", size), Float("alpha", 0.5f), Float("beta", beta), Float("bias", 1.5f)).Bytes());

        var y = engine.RunTensors(model, [("x", Tensor.FromArray(x, n, channels, width))], CancellationToken.None)[0].AsReadOnlySpan<float>().ToArray();

        var expected = new float[x.Length];
        for (var b = 0; b < n; b++)
        {
            for (var c = 0; c < channels; c++)
            {
                for (var p = 0; p < width; p++)
                {
                    double sum = 0;
                    for (var k = c - ((size - 1) / 2); k <= c + (size - 1) - ((size - 1) / 2); k++)
                    {
                        if (k >= 0 && k < channels)
                        {
                            double v = x[(((b * channels) + k) * width) + p];
                            sum += v * v;
                        }
                    }

                    var i = (((b * channels) + c) * width) + p;
                    expected[i] = (float)(x[i] / Math.Pow(1.5 + (0.5 / size * sum), (double)beta)); // the attribute is a float32
                }
            }
        }

        Assert.That(y, Is.EqualTo(expected).Within(8).Ulps);
        var other = new ComputeEngine(new ComputeOptions { Threads = 3 - threads }, new CpuBackend());
        var again = other.RunTensors(other.Load(Lrn([n, channels, width], Int("size", size), Float("alpha", 0.5f), Float("beta", beta), Float("bias", 1.5f)).Bytes()),
            [("x", Tensor.FromArray(x, n, channels, width))], CancellationToken.None)[0].AsReadOnlySpan<float>().ToArray();
        Assert.That(again, Is.EqualTo(y), "bit-identical for another thread count");
    }

    [Test]
    public void Lrn_WithoutSize_RefusedNamingAttribute()
    {
        var engine = new ComputeEngine(new ComputeOptions(), new CpuBackend());
        var model = engine.Load(Lrn([1, 2, 2]).Bytes());

        var ex = Assert.Throws<ComputeException>(() => engine.RunTensors(model, [("x", Tensor.Zeros(DataType.Float, new TensorShape(1, 2, 2)))], CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.InvalidModel));
        Assert.That(ex.Message, Does.Contain("attribute 'size' is required"));
    }
}
