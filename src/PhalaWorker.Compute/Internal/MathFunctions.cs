namespace PhalaWorker.Compute.Internal;

/// <summary>Scalar functions .NET does not provide (erf), accurate to double precision where it matters for float32 outputs.</summary>
internal static class MathFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955126;

    /// <summary>The error function. Maclaurin series below |x| = 2.5 (≤ 1e-15 error), continued fraction for erfc above.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        var ax = Math.Abs(x);
        if (ax < 2.5)
        {
            // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            var x2 = x * x;
            var term = x;
            var sum = x;
            for (var n = 1; n < 80; n++)
            {
                term *= -x2 / n;
                var add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }

            return TwoOverSqrtPi * sum;
        }

        if (ax > 6)
        {
            return Math.Sign(x);
        }

        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...))))) evaluated bottom-up (Lentz-free, fixed depth).
        var f = ax;
        for (var k = 60; k >= 1; k--)
        {
            f = ax + k / 2.0 / f;
        }

        var erfc = Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / f;
        return Math.Sign(x) * (1 - erfc);
    }
}
