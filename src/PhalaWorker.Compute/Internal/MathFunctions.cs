namespace PhalaWorker.Compute.Internal;

/// <summary>Scalar functions .NET does not provide (erf), accurate to double precision where it matters for float32 outputs.</summary>
internal static class MathFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955126;

    /// <summary>
    /// The error function: Maclaurin series below |x| = 0.5 (relative error ~1e-16), Abramowitz–Stegun 7.1.26 above
    /// (absolute error ≤ 1.5e-7 where erf ≥ 0.52, i.e. relative ≤ 3e-7 — well inside float32 conformance tolerance).
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        var ax = Math.Abs(x);
        if (ax < 0.5)
        {
            var x2 = x * x;
            var term = x;
            var sum = x;
            for (var n = 1; n < 30; n++)
            {
                term *= -x2 / n;
                var add = term / ((2 * n) + 1);
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

        var t = 1 / (1 + (0.3275911 * ax));
        var poly = t * (0.254829592 + (t * (-0.284496736 + (t * (1.421413741 + (t * (-1.453152027 + (t * 1.061405429))))))));
        return Math.Sign(x) * (1 - (poly * Math.Exp(-ax * ax)));
    }
}
