using System.Numerics;

namespace PhalaWorker.Compute.Internal;

/// <summary>A binary element operation, specialized per type by the JIT (struct generic).</summary>
internal interface IBinaryOp<T>
{
    static abstract T Apply(T a, T b);
}

internal struct AddOp<T> : IBinaryOp<T>
    where T : INumber<T>
{
    public static T Apply(T a, T b) => a + b;
}

internal struct SubOp<T> : IBinaryOp<T>
    where T : INumber<T>
{
    public static T Apply(T a, T b) => a - b;
}

internal struct MulOp<T> : IBinaryOp<T>
    where T : INumber<T>
{
    public static T Apply(T a, T b) => a * b;
}

internal struct DivOp<T> : IBinaryOp<T>
    where T : INumber<T>
{
    public static T Apply(T a, T b) => a / b;
}

internal struct MaxOp<T> : IBinaryOp<T>
    where T : INumber<T>
{
    // NaN propagates (ONNX Max/Min follow numpy.maximum).
    public static T Apply(T a, T b) => T.IsNaN(a) || T.IsNaN(b) ? (T.IsNaN(a) ? a : b) : (a >= b ? a : b);
}

internal struct MinOp<T> : IBinaryOp<T>
    where T : INumber<T>
{
    public static T Apply(T a, T b) => T.IsNaN(a) || T.IsNaN(b) ? (T.IsNaN(a) ? a : b) : (a <= b ? a : b);
}
