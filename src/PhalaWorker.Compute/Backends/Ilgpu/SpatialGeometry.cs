namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// Resolved window geometry of a Conv or pooling node over the spatial dims: output size, explicit begin/end pads
/// (auto_pad and ceil_mode applied as ONNX specifies).
/// </summary>
internal sealed record SpatialGeometry(int[] Input, int[] Output, int[] Kernel, int[] Strides, int[] Dilations, int[] PadsBegin, int[] PadsEnd)
{
    public int Rank => Input.Length;

    public int KernelSize => IlgpuShapes.Size(Kernel);

    public int OutputSize => IlgpuShapes.Size(Output);

    /// <summary>Resolves the geometry; <c>pads</c> uses ONNX layout (all begins, then all ends; empty = zeros), <c>autoPad</c> is NOTSET, VALID, SAME_UPPER or SAME_LOWER.</summary>
    public static SpatialGeometry Create(
        ReadOnlySpan<int> input,
        ReadOnlySpan<int> kernel,
        ReadOnlySpan<int> strides,
        ReadOnlySpan<int> dilations,
        ReadOnlySpan<int> pads,
        string autoPad,
        bool ceilMode)
    {
        int s = input.Length;
        if (kernel.Length != s)
        {
            throw new IlgpuUnsupportedException($"kernel_shape has {kernel.Length} dims but the input has {s} spatial dims.");
        }

        var stride = strides.IsEmpty ? Enumerable.Repeat(1, s).ToArray() : strides.ToArray();
        var dilation = dilations.IsEmpty ? Enumerable.Repeat(1, s).ToArray() : dilations.ToArray();
        if (stride.Length != s || dilation.Length != s || (!pads.IsEmpty && pads.Length != 2 * s))
        {
            throw new IlgpuUnsupportedException("strides, dilations and pads must match the spatial rank.");
        }

        var output = new int[s];
        var begin = new int[s];
        var end = new int[s];
        for (int d = 0; d < s; d++)
        {
            if (stride[d] <= 0 || dilation[d] <= 0 || kernel[d] <= 0)
            {
                throw new IlgpuUnsupportedException("kernel_shape, strides and dilations must be positive.");
            }

            int effective = ((kernel[d] - 1) * dilation[d]) + 1;
            switch (autoPad)
            {
                case "SAME_UPPER":
                case "SAME_LOWER":
                {
                    output[d] = (input[d] + stride[d] - 1) / stride[d];
                    int total = Math.Max(0, ((output[d] - 1) * stride[d]) + effective - input[d]);
                    begin[d] = autoPad == "SAME_UPPER" ? total / 2 : total - (total / 2);
                    end[d] = total - begin[d];
                    break;
                }

                case "VALID":
                    output[d] = ((input[d] - effective) / stride[d]) + 1;
                    if (ceilMode && (input[d] - effective) % stride[d] != 0)
                    {
                        output[d]++;
                    }

                    break;
                default:
                {
                    begin[d] = pads.IsEmpty ? 0 : pads[d];
                    end[d] = pads.IsEmpty ? 0 : pads[s + d];
                    int span = input[d] + begin[d] + end[d] - effective;
                    output[d] = ceilMode ? CeilDiv(span, stride[d]) + 1 : FloorDiv(span, stride[d]) + 1;
                    if (ceilMode && (output[d] - 1) * stride[d] >= input[d] + begin[d])
                    {
                        // The last window would start inside the right padding only.
                        output[d]--;
                    }

                    break;
                }
            }

            if (output[d] < 0)
            {
                output[d] = 0;
            }
        }

        return new SpatialGeometry(input.ToArray(), output, kernel.ToArray(), stride, dilation, begin, end);
    }

    /// <summary>The int metadata the spatial kernels read: in ‖ out ‖ kernel ‖ strides ‖ dilations ‖ padsBegin ‖ padsEnd.</summary>
    public int[] ToMeta() => [.. Input, .. Output, .. Kernel, .. Strides, .. Dilations, .. PadsBegin, .. PadsEnd];

    private static int FloorDiv(int a, int b) => (int)Math.Floor(a / (double)b);

    private static int CeilDiv(int a, int b) => (int)Math.Ceiling(a / (double)b);
}
