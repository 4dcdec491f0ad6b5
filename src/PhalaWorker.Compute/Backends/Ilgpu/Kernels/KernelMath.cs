using ILGPU.Algorithms;

namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>Scalar math shared by kernels; every function is branch-light and uses only ILGPU intrinsics.</summary>
internal static class KernelMath
{
    private const float TwoOverSqrtPi = 1.1283791670955126f;

    /// <summary>erf(x): Taylor series near zero (keeps relative accuracy), Chebyshev-fitted erfc beyond (|error| &lt; 1.2e-7).</summary>
    public static float Erf(float x)
    {
        float ax = XMath.Abs(x);
        if (ax < 0.5f)
        {
            float x2 = x * x;
            // 2/sqrt(pi) * (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320 + x^13/9360)
            float series = 1f / 9360f;
            series = (series * -x2) + (1f / 1320f);
            series = (series * -x2) + (1f / 216f);
            series = (series * -x2) + (1f / 42f);
            series = (series * -x2) + 0.1f;
            series = (series * -x2) + (1f / 3f);
            series = (series * -x2) + 1f;
            return TwoOverSqrtPi * x * series;
        }

        float r = 1f - ErfcPositive(ax);
        return x < 0f ? -r : r;
    }

    /// <summary>erfc(x) for x ≥ 0.5 (Numerical Recipes' Chebyshev fit, fractional error &lt; 1.2e-7).</summary>
    public static float ErfcPositive(float ax)
    {
        float t = 1f / (1f + (0.5f * ax));
        float poly = -1.26551223f + (t * (1.00002368f + (t * (0.37409196f + (t * (0.09678418f + (t * (-0.18628806f
            + (t * (0.27886807f + (t * (-1.13520398f + (t * (1.48851587f + (t * (-0.82215223f + (t * 0.17087277f)))))))))))))))));
        return t * XMath.Exp((-ax * ax) + poly);
    }

    /// <summary>x^y with numpy semantics for negative bases and integral exponents (device pow is exp(y·log x) on some targets).</summary>
    public static float Pow(float x, float y)
    {
        if (x < 0f && XMath.Floor(y) == y)
        {
            float magnitude = XMath.Pow(-x, y);
            float half = y * 0.5f;
            return XMath.Floor(half) == half ? magnitude : -magnitude;
        }

        return XMath.Pow(x, y);
    }

    public static float Sigmoid(float x)
    {
        // Split by sign so that exp never overflows.
        if (x >= 0f)
        {
            return 1f / (1f + XMath.Exp(-x));
        }

        float e = XMath.Exp(x);
        return e / (1f + e);
    }

    public static float Gelu(float x)
    {
        // For x well below zero, 1 + erf(x/√2) = erfc(|x|/√2): computing it directly avoids cancellation.
        float z = x * 0.70710678118654752f;
        float onePlusErf = z < -0.5f ? ErfcPositive(-z) : 1f + Erf(z);
        return 0.5f * x * onePlusErf;
    }

    public static float GeluTanh(float x)
    {
        const float SqrtTwoOverPi = 0.7978845608028654f;
        return 0.5f * x * (1f + Tanh(SqrtTwoOverPi * (x + (0.044715f * x * x * x))));
    }

    /// <summary>
    /// tanh(x) to a few float ulps (relative error below 1e-6), not <c>XMath.Tanh</c>: on CUDA that lowers to
    /// <c>tanh.approx.f32</c> (about 2⁻¹¹ relative error on sm_75+), far outside the conformance tolerance. Odd Taylor
    /// polynomial (10 terms) for |x| &lt; 0.55, where 1 − 2/(e²ˣ + 1) would cancel; that form beyond; ±1 past 9.1
    /// (tanh(9.1) rounds to 1 in float32).
    /// </summary>
    public static float Tanh(float x)
    {
        float ax = XMath.Abs(x);
        if (ax < 0.55f)
        {
            float x2 = x * x;
            float p = -0.000239129f; // -443861162/1856156927625
            p = (p * x2) + 0.000590027440f; // 6404582/10854718875
            p = (p * x2) - 0.00145583438f; // -929569/638512875
            p = (p * x2) + 0.00359212803f; // 21844/6081075
            p = (p * x2) - 0.00886323552f; // -1382/155925
            p = (p * x2) + 0.0218694885f; // 62/2835
            p = (p * x2) - 0.0539682540f; // -17/315
            p = (p * x2) + 0.133333333f; // 2/15
            p = (p * x2) - 0.333333333f; // -1/3
            return x + (x * x2 * p);
        }

        if (ax > 9.1f)
        {
            return x > 0f ? 1f : -1f;
        }

        float r = 1f - (2f / (XMath.Exp(2f * ax) + 1f));
        return x < 0f ? -r : r;
    }
}
