namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>Elementwise float32 functions the unary kernel evaluates (one compiled kernel, op chosen per launch).</summary>
internal enum UnaryOp
{
    Relu = 0,
    Sigmoid = 1,
    Tanh = 2,
    Erf = 3,
    Gelu = 4,
    GeluTanh = 5,
    Exp = 6,
    Sqrt = 7,
    Clip = 8,
    Identity = 9,
    Neg = 10,
    Abs = 11,
    Log = 12,
    Reciprocal = 13,
}
