using PhalaWorker.Compute.Backends.Ilgpu.Kernels;

namespace PhalaWorker.Compute.Tests.Backends.IlgpuKernels;

/// <summary>
/// The device math functions evaluated on the host (the same C# ILGPU compiles into the kernels). Tanh must hold the
/// kernel tests' rtol 1e-5 by itself, since on CUDA it replaces <c>tanh.approx.f32</c>.
/// </summary>
public sealed class KernelMathTests
{
    [Test]
    public void Tanh_AcrossRange_WithinOneMillionthRelative()
    {
        double worst = 0;
        for (int i = -200_000; i <= 200_000; i++)
        {
            float x = i * 6e-5f; // [-12, 12], dense around the 0.55 switch and the 9.1 clamp
            double exact = Math.Tanh(x);
            double got = KernelMath.Tanh(x);
            double error = exact == 0 ? Math.Abs(got) : Math.Abs(got - exact) / Math.Abs(exact);
            worst = Math.Max(worst, error);
        }

        Assert.That(worst, Is.LessThan(1e-6));
    }

    [TestCase(0f, 0f)]
    [TestCase(1e-30f, 1e-30f)]
    [TestCase(float.PositiveInfinity, 1f)]
    [TestCase(float.NegativeInfinity, -1f)]
    public void Tanh_EdgeValues_Exact(float x, float expected) => Assert.That(KernelMath.Tanh(x), Is.EqualTo(expected));

    [Test]
    public void Tanh_NaN_IsNaN() => Assert.That(KernelMath.Tanh(float.NaN), Is.NaN);

    [Test]
    public void GeluTanh_MatchesDoublePrecisionFormula()
    {
        for (int i = -4000; i <= 4000; i++)
        {
            float x = i * 2e-3f;
            double exact = 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x))));
            Assert.That(KernelMath.GeluTanh(x), Is.EqualTo(exact).Within(1e-6 + (2e-6 * Math.Abs(exact))), $"x = {x}");
        }
    }
}
