using PhalaWorker.Compute.Backends;

namespace PhalaWorker.Compute.Operators;

/// <summary>Spatial geometry shared by Conv and the pools: kernel, strides, dilations, pads (auto_pad resolved), output dims.</summary>
internal sealed class PoolGeometry
{
    public required int[] Input { get; init; }

    public required int[] Kernel { get; init; }

    public required int[] Strides { get; init; }

    public required int[] Dilations { get; init; }

    public required int[] PadBegin { get; init; }

    public required int[] PadEnd { get; init; }

    public required int[] Output { get; init; }

    public int Rank => Input.Length;

    /// <summary>Resolves the attributes of <paramref name="c"/> for spatial input dims <paramref name="input"/>.</summary>
    public static PoolGeometry Resolve(KernelContext c, ReadOnlySpan<int> input, ReadOnlySpan<int> kernelFromWeights, bool allowCeil)
    {
        var rank = input.Length;
        var a = c.Attributes;
        var kernel = a.GetInts("kernel_shape")?.Select(k => (int)k).ToArray() ?? kernelFromWeights.ToArray();
        if (kernel.Length != rank)
        {
            throw Bad(c, $"kernel_shape has {kernel.Length} dims, input has {rank} spatial dims");
        }

        var strides = a.GetInts("strides")?.Select(v => (int)v).ToArray() ?? Enumerable.Repeat(1, rank).ToArray();
        var dilations = a.GetInts("dilations")?.Select(v => (int)v).ToArray() ?? Enumerable.Repeat(1, rank).ToArray();
        var pads = a.GetInts("pads")?.Select(v => (int)v).ToArray() ?? new int[rank * 2];
        if (strides.Length != rank || dilations.Length != rank || pads.Length != rank * 2)
        {
            throw Bad(c, "strides, dilations or pads do not match the spatial rank");
        }

        if (kernel.Any(k => k <= 0) || strides.Any(s => s <= 0) || dilations.Any(d => d <= 0) || pads.Any(p => p < 0))
        {
            throw Bad(c, "kernel, strides and dilations must be positive and pads non-negative");
        }

        var autoPad = a.GetString("auto_pad") ?? "NOTSET";
        var ceil = allowCeil && a.GetInt("ceil_mode", 0) != 0;
        var begin = new int[rank];
        var end = new int[rank];
        var output = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var effective = ((kernel[i] - 1) * dilations[i]) + 1;
            switch (autoPad)
            {
                case "SAME_UPPER":
                case "SAME_LOWER":
                    {
                        output[i] = (input[i] + strides[i] - 1) / strides[i];
                        var total = Math.Max(0, ((output[i] - 1) * strides[i]) + effective - input[i]);
                        var small = total / 2;
                        begin[i] = autoPad == "SAME_UPPER" ? small : total - small;
                        end[i] = total - begin[i];
                        break;
                    }

                case "VALID":
                    output[i] = Math.Max(0, ((input[i] - effective) / strides[i]) + 1);
                    break;
                case "NOTSET":
                    {
                        begin[i] = pads[i];
                        end[i] = pads[i + rank];
                        var span = input[i] + begin[i] + end[i] - effective;
                        if (span < 0)
                        {
                            throw Bad(c, $"kernel {kernel[i]} (dilation {dilations[i]}) is larger than the padded input {input[i] + begin[i] + end[i]}");
                        }

                        output[i] = ceil ? ((span + strides[i] - 1) / strides[i]) + 1 : (span / strides[i]) + 1;
                        // A window must start inside the input or the left padding.
                        if (ceil && (output[i] - 1) * strides[i] >= input[i] + begin[i])
                        {
                            output[i]--;
                        }

                        break;
                    }

                default:
                    throw Bad(c, $"auto_pad '{autoPad}' is not supported");
            }
        }

        return new PoolGeometry
        {
            Input = input.ToArray(),
            Kernel = kernel,
            Strides = strides,
            Dilations = dilations,
            PadBegin = begin,
            PadEnd = end,
            Output = output,
        };
    }

    private static ComputeException Bad(KernelContext c, string message) =>
        new(ComputeErrorReason.InvalidModel, $"{c.Node.Display}: {message}");
}
