namespace PhalaWorker.Compute.Tests.Backends.IlgpuKernels;

/// <summary>Plain managed reference implementations (double accumulation) that the kernels are checked against.</summary>
internal static class ReferenceOps
{
    public static int Size(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    public static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            s[d] = acc;
            acc *= shape[d];
        }

        return s;
    }

    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            r[i] = Math.Max(da, db);
        }

        return r;
    }

    /// <summary>Reads x (shape xs) at output coordinates under numpy broadcasting.</summary>
    public static float At(float[] x, int[] xs, int[] coords)
    {
        int shift = coords.Length - xs.Length;
        int offset = 0;
        var strides = Strides(xs);
        for (int d = 0; d < xs.Length; d++)
        {
            int c = xs[d] == 1 ? 0 : coords[d + shift];
            offset += c * strides[d];
        }

        return x[offset];
    }

    public static int[] Coords(int index, int[] shape)
    {
        var c = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            c[d] = index % shape[d];
            index /= shape[d];
        }

        return c;
    }

    public static float[] Binary(float[] a, int[] aShape, float[] b, int[] bShape, Func<float, float, float> f, out int[] shape)
    {
        shape = BroadcastShape(aShape, bShape);
        var y = new float[Size(shape)];
        for (int i = 0; i < y.Length; i++)
        {
            var c = Coords(i, shape);
            y[i] = f(At(a, aShape, c), At(b, bShape, c));
        }

        return y;
    }

    public static float[] MatMul(float[] a, int[] aShape, float[] b, int[] bShape, out int[] shape)
    {
        int m = aShape[^2];
        int k = aShape[^1];
        int n = bShape[^1];
        var batch = BroadcastShape(aShape[..^2], bShape[..^2]);
        shape = [.. batch, m, n];
        int count = Size(batch);
        var y = new float[count * m * n];
        for (int bi = 0; bi < count; bi++)
        {
            var c = Coords(bi, batch);
            int aOff = BatchOffset(aShape[..^2], c) * m * k;
            int bOff = BatchOffset(bShape[..^2], c) * k * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double acc = 0;
                    for (int kk = 0; kk < k; kk++)
                    {
                        acc += (double)a[aOff + (i * k) + kk] * b[bOff + (kk * n) + j];
                    }

                    y[(bi * m * n) + (i * n) + j] = (float)acc;
                }
            }
        }

        return y;
    }

    public static float[] Gemm(float[] a, int[] aShape, float[] b, int[] bShape, float[]? c, int[]? cShape, float alpha, float beta, bool transA, bool transB)
    {
        int m = transA ? aShape[1] : aShape[0];
        int k = transA ? aShape[0] : aShape[1];
        int n = transB ? bShape[0] : bShape[1];
        var y = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int kk = 0; kk < k; kk++)
                {
                    float av = transA ? a[(kk * m) + i] : a[(i * k) + kk];
                    float bv = transB ? b[(j * k) + kk] : b[(kk * n) + j];
                    acc += (double)av * bv;
                }

                double v = alpha * acc;
                if (c is not null)
                {
                    v += beta * At(c, cShape!, [i, j]);
                }

                y[(i * n) + j] = (float)v;
            }
        }

        return y;
    }

    public static float[] Softmax(float[] x, int outer, int axis, int inner, bool log)
    {
        var y = new float[x.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int r = 0; r < inner; r++)
            {
                double max = double.NegativeInfinity;
                for (int k = 0; k < axis; k++)
                {
                    max = Math.Max(max, x[(((o * axis) + k) * inner) + r]);
                }

                double sum = 0;
                for (int k = 0; k < axis; k++)
                {
                    sum += Math.Exp(x[(((o * axis) + k) * inner) + r] - max);
                }

                for (int k = 0; k < axis; k++)
                {
                    int idx = (((o * axis) + k) * inner) + r;
                    y[idx] = log ? (float)(x[idx] - max - Math.Log(sum)) : (float)(Math.Exp(x[idx] - max) / sum);
                }
            }
        }

        return y;
    }

    /// <summary>2-D convolution, NCHW, explicit pads [top, left, bottom, right].</summary>
    public static float[] Conv2D(float[] x, int[] xs, float[] w, int[] ws, float[]? bias, int[] strides, int[] dilations, int[] pads, int group, out int[] shape)
    {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3];
        int m = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
        int oh = ((h + pads[0] + pads[2] - (((kh - 1) * dilations[0]) + 1)) / strides[0]) + 1;
        int ow = ((wd + pads[1] + pads[3] - (((kw - 1) * dilations[1]) + 1)) / strides[1]) + 1;
        shape = [n, m, oh, ow];
        var y = new float[n * m * oh * ow];
        int mg = m / group;
        for (int b = 0; b < n; b++)
        {
            for (int f = 0; f < m; f++)
            {
                int g = f / mg;
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double acc = bias is null ? 0 : bias[f];
                        for (int ci = 0; ci < cg; ci++)
                        {
                            int ch = (g * cg) + ci;
                            for (int ky = 0; ky < kh; ky++)
                            {
                                for (int kx = 0; kx < kw; kx++)
                                {
                                    int iy = (oy * strides[0]) - pads[0] + (ky * dilations[0]);
                                    int ix = (ox * strides[1]) - pads[1] + (kx * dilations[1]);
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
                                    {
                                        continue;
                                    }

                                    acc += (double)x[(((b * c) + ch) * h * wd) + (iy * wd) + ix] * w[(((f * cg) + ci) * kh * kw) + (ky * kw) + kx];
                                }
                            }
                        }

                        y[(((b * m) + f) * oh * ow) + (oy * ow) + ox] = (float)acc;
                    }
                }
            }
        }

        return y;
    }

    /// <summary>2-D max/average pooling over one plane per (n, c), given the output size and explicit pads.</summary>
    public static float[] Pool2D(float[] x, int[] xs, int[] kernel, int[] strides, int[] pads, int oh, int ow, bool max, bool countIncludePad)
    {
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3];
        var y = new float[planes * oh * ow];
        for (int p = 0; p < planes; p++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    double acc = max ? double.NegativeInfinity : 0;
                    int count = 0;
                    int padded = 0;
                    for (int ky = 0; ky < kernel[0]; ky++)
                    {
                        for (int kx = 0; kx < kernel[1]; kx++)
                        {
                            int iy = (oy * strides[0]) - pads[0] + ky;
                            int ix = (ox * strides[1]) - pads[1] + kx;
                            if (iy >= -pads[0] && iy < h + pads[2] && ix >= -pads[1] && ix < w + pads[3])
                            {
                                padded++;
                            }

                            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                            {
                                continue;
                            }

                            float v = x[(p * h * w) + (iy * w) + ix];
                            acc = max ? Math.Max(acc, v) : acc + v;
                            count++;
                        }
                    }

                    y[(p * oh * ow) + (oy * ow) + ox] = (float)(max ? acc : acc / (countIncludePad ? padded : count));
                }
            }
        }

        return y;
    }

    public static float[] Reduce(float[] x, int[] shape, bool[] reduced, bool mean, out int[] keptShape)
    {
        keptShape = [.. shape.Select((d, i) => reduced[i] ? 1 : d)];
        var sums = new double[Size(keptShape)];
        var keptStrides = Strides(keptShape);
        for (int i = 0; i < x.Length; i++)
        {
            var c = Coords(i, shape);
            int o = 0;
            for (int d = 0; d < shape.Length; d++)
            {
                o += (reduced[d] ? 0 : c[d]) * keptStrides[d];
            }

            sums[o] += x[i];
        }

        int count = shape.Where((_, i) => reduced[i]).Aggregate(1, (a, b) => a * b);
        return [.. sums.Select(s => (float)(mean ? s / count : s))];
    }

    /// <summary>erf through its Maclaurin series / continued fraction in double (reference only).</summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        double r;
        if (ax < 2.5)
        {
            double term = ax;
            double sum = ax;
            for (int n = 1; n < 200; n++)
            {
                term *= -ax * ax / n;
                double add = term / ((2 * n) + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17)
                {
                    break;
                }
            }

            r = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc(x) = exp(-x²)/(x√π) · continued fraction, evaluated backwards.
            double f = 0;
            for (int n = 60; n >= 1; n--)
            {
                f = n / 2.0 / (ax + f);
            }

            r = 1 - (Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / (ax + f));
        }

        return x < 0 ? -r : r;
    }

    private static int BatchOffset(int[] batchShape, int[] coords)
    {
        int shift = coords.Length - batchShape.Length;
        var strides = Strides(batchShape);
        int off = 0;
        for (int d = 0; d < batchShape.Length; d++)
        {
            off += (batchShape[d] == 1 ? 0 : coords[d + shift]) * strides[d];
        }

        return off;
    }
}
