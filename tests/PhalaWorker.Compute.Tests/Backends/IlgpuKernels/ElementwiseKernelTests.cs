using PhalaWorker.Compute.Backends.Ilgpu;
using PhalaWorker.Compute.Backends.Ilgpu.Kernels;

namespace PhalaWorker.Compute.Tests.Backends.IlgpuKernels;

public sealed class ElementwiseKernelTests(IlgpuDeviceKind kind) : IlgpuKernelTestBase(kind)
{
    private static readonly float[] Specials = [0f, -0f, 1f, -1f, 1e-6f, -1e-6f, 0.49f, 0.51f, 3f, -3f, 6f, -9f, 20f, -20f, 100f, -100f];

    [TestCase("Relu")]
    [TestCase("Sigmoid")]
    [TestCase("Tanh")]
    [TestCase("Erf")]
    [TestCase("Gelu")]
    [TestCase("GeluTanh")]
    [TestCase("Exp")]
    [TestCase("Sqrt")]
    public void Unary_RandomAndSpecialValues_MatchesReference(string name)
    {
        var op = Enum.Parse<UnaryOp>(name);
        float[] x = [.. RandomData(41, 257, -6f, 6f), .. Specials];
        if (op == UnaryOp.Sqrt)
        {
            x = [.. x.Select(Math.Abs)];
        }

        var y = Ops.Unary(op, Up(x, x.Length));

        var expected = x.Select(v => Reference(op, v)).ToArray();
        AssertClose(Ops.Download(y), expected, 1e-5f, 1e-6f);
    }

    [Test]
    public void Unary_Clip_ClampsAndKeepsNaN()
    {
        float[] x = [-3f, -1f, 0f, 0.5f, 1f, 7f, float.NaN, float.NegativeInfinity];

        var y = Ops.Unary(UnaryOp.Clip, Up(x, 2, 4), -1f, 1f);

        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 4 }));
        AssertClose(Ops.Download(y), [-1f, -1f, 0f, 0.5f, 1f, 1f, float.NaN, -1f]);
    }

    [TestCase("Add")]
    [TestCase("Sub")]
    [TestCase("Mul")]
    [TestCase("Div")]
    [TestCase("Pow")]
    public void Binary_Broadcasting_MatchesReference(string name)
    {
        var op = Enum.Parse<BinaryOp>(name);
        (int[] A, int[] B)[] cases =
        [
            ([3, 4, 5], [3, 4, 5]),
            ([3, 1, 5], [4, 1]),
            ([2, 3, 4, 5], [5]),
            ([1], [2, 3]),
            ([], [3, 2]),
            ([7, 1, 3], [1, 6, 1]),
        ];
        foreach (var (aShape, bShape) in cases)
        {
            var a = RandomData(51, ReferenceOps.Size(aShape), op == BinaryOp.Pow ? 0.1f : -3f, 3f);
            var b = RandomData(52, ReferenceOps.Size(bShape), op == BinaryOp.Div ? 0.5f : -3f, 3f);

            var y = Ops.Binary(op, Up(a, aShape), Up(b, bShape));

            var expected = ReferenceOps.Binary(a, aShape, b, bShape, (x, z) => Reference(op, x, z), out var shape);
            Assert.That(y.Shape, Is.EqualTo(shape), $"{op} {IlgpuShapes.Format(aShape)} {IlgpuShapes.Format(bShape)}");
            AssertClose(Ops.Download(y), expected, 1e-5f, 1e-6f);
        }
    }

    [Test]
    public void Binary_PowNegativeBaseIntegralExponent_KeepsSign()
    {
        var y = Ops.Binary(BinaryOp.Pow, Up([-2f, -2f, -3f, 2f], 4), Up([3f, 2f, 0f, 0.5f], 4));

        AssertClose(Ops.Download(y), [-8f, 4f, 1f, MathF.Sqrt(2f)]);
    }

    [Test]
    public void Transpose_Permutation_MatchesReference()
    {
        var x = RandomData(61, 2 * 3 * 4);

        var y = Ops.Transpose(Up(x, 2, 3, 4), [2, 0, 1]);

        Assert.That(y.Shape, Is.EqualTo(new[] { 4, 2, 3 }));
        var got = Ops.Download(y);
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                for (int k = 0; k < 4; k++)
                {
                    Assert.That(got[(k * 6) + (i * 3) + j], Is.EqualTo(x[(i * 12) + (j * 4) + k]));
                }
            }
        }
    }

    private static float Reference(UnaryOp op, float v) => op switch
    {
        UnaryOp.Relu => Math.Max(v, 0f),
        UnaryOp.Sigmoid => (float)(1 / (1 + Math.Exp(-v))),
        UnaryOp.Tanh => MathF.Tanh(v),
        UnaryOp.Erf => (float)ReferenceOps.Erf(v),
        UnaryOp.Gelu => (float)(0.5 * v * (1 + ReferenceOps.Erf(v / Math.Sqrt(2)))),
        UnaryOp.GeluTanh => (float)(0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + (0.044715 * v * v * v))))),
        UnaryOp.Exp => MathF.Exp(v),
        UnaryOp.Sqrt => MathF.Sqrt(v),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static float Reference(BinaryOp op, float a, float b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,
        BinaryOp.Pow => MathF.Pow(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };
}
