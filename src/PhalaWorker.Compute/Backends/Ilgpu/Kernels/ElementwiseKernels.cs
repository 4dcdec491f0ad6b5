using ILGPU;
using ILGPU.Algorithms;

namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>Elementwise kernels: unary functions and broadcasting binary functions.</summary>
internal static class ElementwiseKernels
{
    /// <summary>y[i] = f(x[i]); <paramref name="p0"/>/<paramref name="p1"/> carry Clip's min/max.</summary>
    public static void Unary(Index1D index, ArrayView<float> x, ArrayView<float> y, int op, float p0, float p1, GridStride range)
    {
        for (int i = index; i < range.Count; i += range.Stride)
        {
            UnaryAt(i, x, y, op, p0, p1);
        }
    }

    private static void UnaryAt(int i, ArrayView<float> x, ArrayView<float> y, int op, float p0, float p1)
    {
        float v = x[i];
        float r;
        switch ((UnaryOp)op)
        {
            case UnaryOp.Relu:
                r = v > 0f ? v : (v < 0f ? 0f : v);
                break;
            case UnaryOp.Sigmoid:
                r = KernelMath.Sigmoid(v);
                break;
            case UnaryOp.Tanh:
                r = KernelMath.Tanh(v);
                break;
            case UnaryOp.Erf:
                r = KernelMath.Erf(v);
                break;
            case UnaryOp.Gelu:
                r = KernelMath.Gelu(v);
                break;
            case UnaryOp.GeluTanh:
                r = KernelMath.GeluTanh(v);
                break;
            case UnaryOp.Exp:
                r = XMath.Exp(v);
                break;
            case UnaryOp.Sqrt:
                r = XMath.Sqrt(v);
                break;
            case UnaryOp.Clip:
                // min first, then max (numpy order: min > max yields max); NaN passes through.
                r = v < p0 ? p0 : v;
                r = r > p1 ? p1 : r;
                break;
            case UnaryOp.Neg:
                r = -v;
                break;
            case UnaryOp.Abs:
                r = XMath.Abs(v);
                break;
            case UnaryOp.Log:
                r = XMath.Log(v);
                break;
            case UnaryOp.Reciprocal:
                r = 1f / v;
                break;
            default:
                r = v;
                break;
        }

        y[i] = r;
    }

    /// <summary>
    /// y[i] = a[ia] op b[ib] where ia/ib come from decomposing i over the output dims.
    /// <paramref name="meta"/> = outDims[rank] ‖ aStrides[rank] ‖ bStrides[rank] (stride 0 on broadcast axes).
    /// </summary>
    public static void Binary(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, ArrayView<int> meta, int rank, int op, GridStride range)
    {
        for (int i = index; i < range.Count; i += range.Stride)
        {
            BinaryAt(i, a, b, y, meta, rank, op);
        }
    }

    private static void BinaryAt(int i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, ArrayView<int> meta, int rank, int op)
    {
        int rest = i;
        int ia = 0;
        int ib = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            int dim = meta[d];
            int coord = rest % dim;
            rest /= dim;
            ia += coord * meta[rank + d];
            ib += coord * meta[(2 * rank) + d];
        }

        float x = a[ia];
        float z = b[ib];
        float r;
        switch ((BinaryOp)op)
        {
            case BinaryOp.Add:
                r = x + z;
                break;
            case BinaryOp.Sub:
                r = x - z;
                break;
            case BinaryOp.Mul:
                r = x * z;
                break;
            case BinaryOp.Div:
                r = x / z;
                break;
            case BinaryOp.Pow:
                r = KernelMath.Pow(x, z);
                break;
            case BinaryOp.Max:
                r = x >= z ? x : z;
                break;
            default:
                r = x <= z ? x : z;
                break;
        }

        y[i] = r;
    }

    /// <summary>Copies x into y gathering through strides: y[i] = x[offset(i)], meta = outDims[rank] ‖ inStrides[rank] (Transpose, Expand).</summary>
    public static void StridedCopy(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<int> meta, int rank, GridStride range)
    {
        for (int i = index; i < range.Count; i += range.Stride)
        {
            StridedCopyAt(i, x, y, meta, rank);
        }
    }

    private static void StridedCopyAt(int i, ArrayView<float> x, ArrayView<float> y, ArrayView<int> meta, int rank)
    {
        int rest = i;
        int ix = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            int dim = meta[d];
            int coord = rest % dim;
            rest /= dim;
            ix += coord * meta[rank + d];
        }

        y[i] = x[ix];
    }
}
