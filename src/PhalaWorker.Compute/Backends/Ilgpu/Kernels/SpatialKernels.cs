using ILGPU;
using ILGPU.Algorithms;

namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>
/// Convolution helpers (im2col, channel bias) and pooling over N-D spatial dims.
/// Spatial metadata (s = spatial rank) = inDims[s] ‖ outDims[s] ‖ kernel[s] ‖ strides[s] ‖ dilations[s] ‖ padsBegin[s] ‖ padsEnd[s].
/// </summary>
internal static class SpatialKernels
{
    public const int MaxPool = 0;
    public const int AveragePoolExcludePad = 1;
    public const int AveragePoolIncludePad = 2;

    /// <summary>
    /// col[r, o] for r = c·K + kernel index, o = output position, reading x laid out [channels, inSpatial...]
    /// (the caller offsets x to one image and one group). Out-of-bounds taps read 0 (zero padding).
    /// </summary>
    public static void Im2Col(Index1D index, ArrayView<float> x, ArrayView<float> col, ArrayView<int> meta, Int3 shape, GridStride range)
    {
        for (int i = index; i < range.Count; i += range.Stride)
        {
            Im2ColAt(i, x, col, meta, shape);
        }
    }

    private static void Im2ColAt(int i, ArrayView<float> x, ArrayView<float> col, ArrayView<int> meta, Int3 shape)
    {
        int s = shape.X;
        int kernelSize = shape.Y;
        int outSize = shape.Z;
        int r = i / outSize;
        int o = i - (r * outSize);
        int c = r / kernelSize;
        int k = r - (c * kernelSize);

        int inSize = 1;
        int offset = 0;
        bool inside = true;
        int restO = o;
        int restK = k;
        for (int d = s - 1; d >= 0; d--)
        {
            int inDim = meta[d];
            int outDim = meta[s + d];
            int kDim = meta[(2 * s) + d];
            int od = restO % outDim;
            restO /= outDim;
            int kd = restK % kDim;
            restK /= kDim;
            int pos = (od * meta[(3 * s) + d]) - meta[(5 * s) + d] + (kd * meta[(4 * s) + d]);
            inside = inside && pos >= 0 && pos < inDim;
            offset += pos * inSize;
            inSize *= inDim;
        }

        col[i] = inside ? x[(c * inSize) + offset] : 0f;
    }

    /// <summary>y[i] += bias[channel(i)] for y laid out [n, channels, inner].</summary>
    public static void AddChannelBias(Index1D index, ArrayView<float> y, ArrayView<float> bias, int channels, int inner, GridStride range)
    {
        for (int i = index; i < range.Count; i += range.Stride)
        {
            AddChannelBiasAt(i, y, bias, channels, inner);
        }
    }

    private static void AddChannelBiasAt(int i, ArrayView<float> y, ArrayView<float> bias, int channels, int inner)
    {
        y[i] += bias[(i / inner) % channels];
    }

    /// <summary>One thread per output element of [planes, outSpatial...]; <paramref name="shape"/> = (s, kind, planes).</summary>
    public static void Pool(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<int> meta, Int3 shape, GridStride range)
    {
        for (int i = index; i < range.Count; i += range.Stride)
        {
            PoolAt(i, x, y, meta, shape);
        }
    }

    private static void PoolAt(int i, ArrayView<float> x, ArrayView<float> y, ArrayView<int> meta, Int3 shape)
    {
        int s = shape.X;
        int kind = shape.Y;
        int inSize = 1;
        int outSize = 1;
        int kernelSize = 1;
        for (int d = 0; d < s; d++)
        {
            inSize *= meta[d];
            outSize *= meta[s + d];
            kernelSize *= meta[(2 * s) + d];
        }

        int plane = i / outSize;
        int o = i - (plane * outSize);
        int planeBase = plane * inSize;

        float max = float.NegativeInfinity;
        float sum = 0f;
        int count = 0;
        int padCount = 0;
        for (int k = 0; k < kernelSize; k++)
        {
            int restO = o;
            int restK = k;
            int offset = 0;
            int stride = 1;
            bool inside = true;
            bool insidePadded = true;
            for (int d = s - 1; d >= 0; d--)
            {
                int inDim = meta[d];
                int outDim = meta[s + d];
                int kDim = meta[(2 * s) + d];
                int od = restO % outDim;
                restO /= outDim;
                int kd = restK % kDim;
                restK /= kDim;
                int padBegin = meta[(5 * s) + d];
                int pos = (od * meta[(3 * s) + d]) - padBegin + (kd * meta[(4 * s) + d]);
                inside = inside && pos >= 0 && pos < inDim;
                insidePadded = insidePadded && pos >= -padBegin && pos < inDim + meta[(6 * s) + d];
                offset += pos * stride;
                stride *= inDim;
            }

            if (insidePadded)
            {
                padCount++;
            }

            if (inside)
            {
                float v = x[planeBase + offset];
                max = v > max || XMath.IsNaN(v) ? v : max;
                sum += v;
                count++;
            }
        }

        if (kind == MaxPool)
        {
            y[i] = max;
        }
        else if (kind == AveragePoolIncludePad)
        {
            y[i] = sum / padCount;
        }
        else
        {
            y[i] = sum / count;
        }
    }

    /// <summary>One thread per (n, c) plane: the mean over its <paramref name="size"/> spatial elements.</summary>
    public static void GlobalAveragePool(Index1D index, ArrayView<float> x, ArrayView<float> y, int size, GridStride range)
    {
        for (int i = index; i < range.Count; i += range.Stride)
        {
            GlobalAveragePoolAt(i, x, y, size);
        }
    }

    private static void GlobalAveragePoolAt(int i, ArrayView<float> x, ArrayView<float> y, int size)
    {
        int start = i * size;
        float sum = 0f;
        for (int k = 0; k < size; k++)
        {
            sum += x[start + k];
        }

        y[i] = sum / size;
    }
}
