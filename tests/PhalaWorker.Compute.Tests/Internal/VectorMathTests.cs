using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Tests.Internal;

public sealed class VectorMathTests
{
    /// <summary>erf in double to ~1e-15: Maclaurin series below 2.5, Lentz continued fraction of erfc above.</summary>
    private static double ReferenceErf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        var ax = Math.Abs(x);
        double r;
        if (ax < 2.5)
        {
            double term = ax, sum = ax;
            for (var n = 1; n < 200 && Math.Abs(term) > 1e-300; n++)
            {
                term *= -ax * ax / n;
                sum += term / ((2 * n) + 1);
            }

            r = sum * 2 / Math.Sqrt(Math.PI);
        }
        else if (ax > 27)
        {
            r = 1;
        }
        else
        {
            // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated by modified Lentz.
            const double Tiny = 1e-300;
            var f = ax;
            var c = ax;
            var d = 0.0;
            for (var n = 1; n < 500; n++)
            {
                var a = n / 2.0;
                d = ax + (a * d);
                d = Math.Abs(d) < Tiny ? Tiny : d;
                c = ax + (a / c);
                c = Math.Abs(c) < Tiny ? Tiny : c;
                d = 1 / d;
                var delta = c * d;
                f *= delta;
                if (Math.Abs(delta - 1) < 1e-16)
                {
                    break;
                }
            }

            r = 1 - (Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / f);
        }

        return x < 0 ? -r : r;
    }

    private static double UlpError(float actual, double expected)
    {
        var e = (float)expected;
        var ulp = Math.Max(MathF.BitIncrement(Math.Abs(e)) - Math.Abs(e), float.Epsilon);
        return Math.Abs(actual - expected) / ulp;
    }

    [Test]
    public void ReferenceErf_KnownValues()
    {
        // Values from tables of erf (Abramowitz & Stegun 7.1; erf(1) = 0.8427007929497149, erf(3) = 0.9999779095030014).
        Assert.That(ReferenceErf(1), Is.EqualTo(0.8427007929497149).Within(1e-15));
        Assert.That(ReferenceErf(0.5), Is.EqualTo(0.5204998778130465).Within(1e-15));
        Assert.That(ReferenceErf(3), Is.EqualTo(0.9999779095030014).Within(1e-15));
    }

    [Test]
    public void Erf_DenseGrid_WithinFourUlpsOfDoublePrecision()
    {
        var x = Enumerable.Range(-60_000, 120_001).Select(i => i / 10_000f).ToArray();
        var y = new float[x.Length];

        VectorMath.Erf(x, y);

        var worst = 0.0;
        var at = 0f;
        for (var i = 0; i < x.Length; i++)
        {
            var err = UlpError(y[i], ReferenceErf(x[i]));
            if (err > worst)
            {
                worst = err;
                at = x[i];
            }
        }

        Assert.That(worst, Is.LessThanOrEqualTo(4), $"worst error {worst:F2} ulp at x = {at}");
    }

    [Test]
    public void Erf_SpecialValues()
    {
        float[] x = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -1e-30f, 1f, -1f, 4f, 100f, float.MaxValue];
        var y = new float[x.Length];

        VectorMath.Erf(x, y);

        Assert.That(BitConverter.SingleToInt32Bits(y[0]), Is.EqualTo(0), "erf(+0) = +0");
        Assert.That(BitConverter.SingleToInt32Bits(y[1]), Is.EqualTo(BitConverter.SingleToInt32Bits(-0f)), "erf(-0) = -0");
        Assert.That(float.IsNaN(y[2]), "NaN propagates");
        Assert.That(y[3..5], Is.EqualTo(new[] { 1f, -1f }));
        Assert.That(y[5], Is.EqualTo(0f).Within(1e-44f));
        Assert.That(y[6], Is.EqualTo(-1.1283791e-30f).Within(1e-36f));
        Assert.That(y[7], Is.EqualTo(0.84270079f).Within(1e-7f));
        Assert.That(y[8], Is.EqualTo(-0.84270079f).Within(1e-7f));
        Assert.That(y[9..], Is.EqualTo(new[] { 1f, 1f, 1f }));
    }

    [Test]
    public void Erf_AnyLengthAndOffset_SameBitsAsEachElementAlone()
    {
        var random = new Random(7);
        var x = Enumerable.Range(0, 53).Select(_ => (float)((random.NextDouble() - 0.5) * 9)).ToArray();
        var whole = new float[x.Length];
        VectorMath.Erf(x, whole);

        for (var start = 0; start < 9; start++)
        {
            for (var length = 0; start + length <= x.Length; length += 5)
            {
                var part = new float[length];
                VectorMath.Erf(x.AsSpan(start, length), part);
                Assert.That(part, Is.EqualTo(whole[start..(start + length)]), $"start {start}, length {length}");
            }
        }

        var inPlace = (float[])x.Clone();
        VectorMath.Erf(inPlace, inPlace);
        Assert.That(inPlace, Is.EqualTo(whole));
    }

    [Test]
    public void Gelu_MatchesDoublePrecisionDefinition()
    {
        var x = Enumerable.Range(-8_000, 16_001).Select(i => i / 1_000f).ToArray();
        var y = new float[x.Length];

        VectorMath.Gelu(x, y);

        for (var i = 0; i < x.Length; i++)
        {
            var expected = 0.5 * x[i] * (1 + ReferenceErf(x[i] / Math.Sqrt(2)));
            Assert.That(y[i], Is.EqualTo(expected).Within((5e-6 * Math.Abs(expected)) + 1e-11), $"x = {x[i]}");
        }
    }
}
