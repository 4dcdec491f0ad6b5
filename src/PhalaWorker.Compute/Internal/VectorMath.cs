using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PhalaWorker.Compute.Internal;

/// <summary>
/// Vectorized float32 functions .NET does not vectorize (erf, GELU), written once for <see cref="Vector256{T}"/>.
/// Every element goes through the same lane operations whatever its position: a tail shorter than a vector is padded
/// into one, so results do not depend on the span's length, alignment or how a caller splits it across threads.
/// </summary>
/// <remarks>
/// erf(x) = x·P(x²) for |x| &lt; 1.25 (degree-7 Chebyshev fit of erf(√u)/√u on [0, 1.5625], error 1e-9) and
/// 1 − erfc(|x|) with erfc = exp(Q(t)), t = (|x| − 3.125)/1.875, for 1.25 ≤ |x| ≤ 5 (degree-9 fit of ln erfc on [1.25, 5],
/// error 8e-9 in the log); beyond 5 erfc is taken as 0 (it is 1.5e-12 at 5). GELU uses erfc directly for x ≤ −1.25·√2. exp uses a Cody–Waite reduction and a degree-6 fit on [−ln2/2, ln2/2].
/// The coefficients were fitted with mpmath.chebyfit at 40 digits. Measured against double-precision erf over
/// [−6, 6]: erf within 4 float32 ulps; GELU within 5e-6 relative (the far negative tail, where exp(Q) of a large
/// negative Q carries Q's float rounding).
/// </remarks>
internal static class VectorMath
{
    private const float InvSqrt2 = 0.70710678118654752f;

    /// <summary>|x| below which erf uses the odd polynomial, above which erfc = exp(Q).</summary>
    private const float Split = 1.25f;

    /// <summary>y[i] = erf(x[i]); <paramref name="x"/> and <paramref name="y"/> may be the same span.</summary>
    public static void Erf(ReadOnlySpan<float> x, Span<float> y) => Apply<ErfFunction>(x, y);

    /// <summary>y[i] = 0.5·x·(1 + erf(x/√2)) (ONNX Gelu, approximate = "none").</summary>
    public static void Gelu(ReadOnlySpan<float> x, Span<float> y) => Apply<GeluFunction>(x, y);

    /// <summary>erf of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var ax = Vector256.Abs(x);
        var magnitude = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(Split)), ErfSmall(ax), Vector256<float>.One - ErfcLarge(ax));
        var signed = (magnitude.AsUInt32() | (x.AsUInt32() & Vector256.Create(0x8000_0000u))).AsSingle();
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), signed, x); // NaN stays NaN
    }

    /// <summary>0.5·x·(1 + erf(x/√2)) of each lane; below x = −√2 through erfc directly (no cancellation in 1 + erf).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Gelu(Vector256<float> x)
    {
        var z = x * Vector256.Create(InvSqrt2);
        var az = Vector256.Abs(z);
        var signedSmall = (ErfSmall(az).AsUInt32() | (z.AsUInt32() & Vector256.Create(0x8000_0000u))).AsSingle();
        var erfc = ErfcLarge(az);
        var onePlusErf = Vector256.ConditionalSelect(Vector256.LessThan(az, Vector256.Create(Split)), Vector256<float>.One + signedSmall,
            Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<float>.Zero), Vector256.Create(2f) - erfc, erfc));
        var y = x * Vector256.Create(0.5f) * onePlusErf;
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }

    /// <summary>erf(a) = a·P(a²) for 0 ≤ a &lt; 1.25.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ErfSmall(Vector256<float> a)
    {
        var u = a * a;
        var p = Vector256.Create(-7.616689264e-6f);
        p = Vector256.FusedMultiplyAdd(p, u, Vector256.Create(0.0001041809766f));
        p = Vector256.FusedMultiplyAdd(p, u, Vector256.Create(-0.0008344853611f));
        p = Vector256.FusedMultiplyAdd(p, u, Vector256.Create(0.005209589658f));
        p = Vector256.FusedMultiplyAdd(p, u, Vector256.Create(-0.02686056828f));
        p = Vector256.FusedMultiplyAdd(p, u, Vector256.Create(0.1128368363f));
        p = Vector256.FusedMultiplyAdd(p, u, Vector256.Create(-0.3761263092f));
        p = Vector256.FusedMultiplyAdd(p, u, Vector256.Create(1.128379166f));
        return a * p;
    }

    /// <summary>erfc(a) = exp(Q(t)), t = (a − 3.125)/1.875, for 1.25 ≤ a ≤ 5; 0 above 5 (erfc(5) = 1.5e-12).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ErfcLarge(Vector256<float> a)
    {
        var t = Vector256.FusedMultiplyAdd(Vector256.Min(a, Vector256.Create(5f)), Vector256.Create(1f / 1.875f), Vector256.Create(-3.125f / 1.875f));
        var q = Vector256.Create(-3.276511419e-5f);
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(0.0001530276858f));
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(-0.0005010859279f));
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(0.001611793147f));
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(-0.00499543655f));
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(0.01495049907f));
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(-0.04463979424f));
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(-3.375181244f));
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(-12.26894886f));
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(-11.52330568f));
        return Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256.Create(5f)), Vector256<float>.Zero, ExpNegative(q));
    }

    /// <summary>exp(y) for y in [−87, 0] (erfc needs Q ∈ [−27.3, −1.8]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpNegative(Vector256<float> y)
    {
        var n = Vector256.Round(y * Vector256.Create(1.44269504088896341f));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693115234375f), y);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-3.19461849453e-5f), r);
        var e = Vector256.Create(0.001394110843f);
        e = Vector256.FusedMultiplyAdd(e, r, Vector256.Create(0.008375126398f));
        e = Vector256.FusedMultiplyAdd(e, r, Vector256.Create(0.0416663529f));
        e = Vector256.FusedMultiplyAdd(e, r, Vector256.Create(0.1666641551f));
        e = Vector256.FusedMultiplyAdd(e, r, Vector256.Create(0.5000000047f));
        e = Vector256.FusedMultiplyAdd(e, r, Vector256.Create(1.000000038f));
        e = Vector256.FusedMultiplyAdd(e, r, Vector256<float>.One);
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return e * scale;
    }

    private static void Apply<TFunction>(ReadOnlySpan<float> x, Span<float> y)
        where TFunction : IVectorFunction
    {
        if (y.Length < x.Length)
        {
            throw new ArgumentException("destination is shorter than the source", nameof(y));
        }

        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ys = ref MemoryMarshal.GetReference(y);
        var n = (nuint)x.Length;
        nuint i = 0;
        for (; i + 8 <= n; i += 8)
        {
            TFunction.Apply(Vector256.LoadUnsafe(ref xs, i)).StoreUnsafe(ref ys, i);
        }

        if (i < n)
        {
            Span<float> tail = stackalloc float[8];
            tail.Clear();
            x[(int)i..].CopyTo(tail);
            TFunction.Apply(Vector256.Create<float>(tail)).CopyTo(tail);
            tail[..(int)(n - i)].CopyTo(y[(int)i..]);
        }
    }

    private interface IVectorFunction
    {
        static abstract Vector256<float> Apply(Vector256<float> x);
    }

    private readonly struct ErfFunction : IVectorFunction
    {
        public static Vector256<float> Apply(Vector256<float> x) => Erf(x);
    }

    private readonly struct GeluFunction : IVectorFunction
    {
        public static Vector256<float> Apply(Vector256<float> x)
        {
            return Gelu(x);
        }
    }
}
