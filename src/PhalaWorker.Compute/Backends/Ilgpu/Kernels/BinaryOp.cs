namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>Elementwise float32 binary functions with ONNX (numpy) broadcasting.</summary>
internal enum BinaryOp
{
    Add = 0,
    Sub = 1,
    Mul = 2,
    Div = 3,
    Pow = 4,
    Max = 5,
    Min = 6,
}
