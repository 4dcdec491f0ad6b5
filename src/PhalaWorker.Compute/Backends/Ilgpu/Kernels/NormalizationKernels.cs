using ILGPU;
using ILGPU.Algorithms;

namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>
/// Softmax, LogSoftmax, LayerNormalization and BatchNormalization (inference). Reductions run in one thread per
/// output row in a fixed order (no atomics), so results are bit-identical run to run.
/// </summary>
internal static class NormalizationKernels
{
    /// <summary>One thread per (outer, inner) pair; reduces over <paramref name="axis"/> elements spaced <paramref name="inner"/> apart.</summary>
    public static void Softmax(Index1D index, ArrayView<float> x, ArrayView<float> y, int axis, int inner, int logSoftmax, GridStride range)
    {
        for (int i = index; i < range.Count; i += range.Stride)
        {
            SoftmaxAt(i, x, y, axis, inner, logSoftmax);
        }
    }

    private static void SoftmaxAt(int i, ArrayView<float> x, ArrayView<float> y, int axis, int inner, int logSoftmax)
    {
        int outer = i / inner;
        int rest = i - (outer * inner);
        int baseIndex = (outer * axis * inner) + rest;

        float max = float.NegativeInfinity;
        for (int k = 0; k < axis; k++)
        {
            float v = x[baseIndex + (k * inner)];
            max = v > max ? v : max;
        }

        float sum = 0f;
        for (int k = 0; k < axis; k++)
        {
            sum += XMath.Exp(x[baseIndex + (k * inner)] - max);
        }

        if (logSoftmax != 0)
        {
            float logSum = XMath.Log(sum);
            for (int k = 0; k < axis; k++)
            {
                int idx = baseIndex + (k * inner);
                y[idx] = x[idx] - max - logSum;
            }
        }
        else
        {
            float inv = 1f / sum;
            for (int k = 0; k < axis; k++)
            {
                int idx = baseIndex + (k * inner);
                y[idx] = XMath.Exp(x[idx] - max) * inv;
            }
        }
    }

    /// <summary>
    /// One thread per row of <c>p.Size</c> normalized elements. Scale/bias are indexed modulo their length
    /// (they cover the normalized dims). Writes the row's mean and 1/sqrt(var+eps).
    /// </summary>
    public static void LayerNorm(Index1D index, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> bias, ArrayView<float> y, ArrayView<float> meanOut, ArrayView<float> invStdOut, LayerNormParams p, GridStride range)
    {
        for (int row = index; row < range.Count; row += range.Stride)
        {
            LayerNormAt(row, x, scale, bias, y, meanOut, invStdOut, p);
        }
    }

    private static void LayerNormAt(int row, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> bias, ArrayView<float> y, ArrayView<float> meanOut, ArrayView<float> invStdOut, LayerNormParams p)
    {
        int start = row * p.Size;
        float sum = 0f;
        for (int k = 0; k < p.Size; k++)
        {
            sum += x[start + k];
        }

        float mean = sum / p.Size;
        float sq = 0f;
        for (int k = 0; k < p.Size; k++)
        {
            float d = x[start + k] - mean;
            sq += d * d;
        }

        float invStd = 1f / XMath.Sqrt((sq / p.Size) + p.Epsilon);
        for (int k = 0; k < p.Size; k++)
        {
            float v = (x[start + k] - mean) * invStd * scale[k % p.ScaleLength];
            if (p.BiasLength > 0)
            {
                v += bias[k % p.BiasLength];
            }

            y[start + k] = v;
        }

        meanOut[row] = mean;
        invStdOut[row] = invStd;
    }

    /// <summary>BatchNormalization inference: y = (x − mean[c]) / sqrt(var[c] + eps) · scale[c] + bias[c].</summary>
    public static void BatchNorm(Index1D index, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> bias, ArrayView<float> mean, ArrayView<float> variance, ArrayView<float> y, BatchNormParams p, GridStride range)
    {
        for (int i = index; i < range.Count; i += range.Stride)
        {
            BatchNormAt(i, x, scale, bias, mean, variance, y, p);
        }
    }

    private static void BatchNormAt(int i, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> bias, ArrayView<float> mean, ArrayView<float> variance, ArrayView<float> y, BatchNormParams p)
    {
        int c = (i / p.Inner) % p.Channels;
        y[i] = ((x[i] - mean[c]) / XMath.Sqrt(variance[c] + p.Epsilon) * scale[c]) + bias[c];
    }
}
