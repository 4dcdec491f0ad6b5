using System.Collections.Frozen;
using PhalaWorker.Compute.Backends.Ilgpu.Kernels;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// Runs one node on the ILGPU device when its inputs are float32 and its attributes are covered; otherwise (other
/// data types, training-mode BatchNormalization, MaxPool indices, ...) it runs the node's CPU kernel on the host,
/// which also reports invalid models exactly as the CPU backend does. A failure of the device itself (out of memory,
/// kernel compilation, launch) fails the job with <see cref="ComputeErrorReason.DeviceFailed"/>.
/// </summary>
internal sealed class IlgpuNodeKernel : IOperatorKernel
{
    private static readonly FrozenSet<string> DeviceOps = new[]
    {
        "Relu", "Sigmoid", "Tanh", "Erf", "Gelu", "Exp", "Sqrt", "Clip",
        "Add", "Sub", "Mul", "Div", "Pow",
        "MatMul", "Gemm",
        "Softmax", "LogSoftmax", "LayerNormalization", "BatchNormalization",
        "Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
        "ReduceMean", "ReduceSum",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly IlgpuBackend backend;
    private readonly OperatorNode node;
    private readonly IOperatorKernel fallback;
    private readonly IlgpuMetadataCache metadata;

    public IlgpuNodeKernel(IlgpuBackend backend, OperatorNode node, IOperatorKernel fallback)
    {
        this.backend = backend;
        this.node = node;
        this.fallback = fallback;
        metadata = backend.RegisterMetadataCache(this);
    }

    public static IEnumerable<string> OpTypes => DeviceOps.Order(StringComparer.Ordinal);

    public static bool Handles(string opType) => DeviceOps.Contains(opType);

    public void Execute(KernelContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        bool ran;
        try
        {
            ran = backend.InJob && FloatInputs(context) && TryRunWithFaults(context);
        }
        catch (IlgpuUnsupportedException)
        {
            // Shapes or attributes the device path rejects before launching: the CPU kernel either computes the node or
            // reports the problem in the same words as on the CPU backend. Nothing was written to outputs yet.
            ran = false;
        }
        catch (Exception ex) when (IlgpuErrors.ToComputeException(ex, node.Display, backend.Name) is { } failure)
        {
            // Out of memory, JIT failure, launch refused/failed: the job fails with the reason (no silent CPU rerun).
            backend.CountDeviceFailure(node.OpType);
            throw failure;
        }

        backend.CountRun(node.OpType, ran);
        if (!ran)
        {
            fallback.Execute(context);
        }
    }

    private bool TryRunWithFaults(KernelContext c)
    {
        backend.DeviceFaultInjector?.Invoke(node);
        backend.Operators.MetadataCache = metadata;
        try
        {
            return TryRun(c);
        }
        finally
        {
            backend.Operators.MetadataCache = null;
        }
    }

    private bool FloatInputs(KernelContext c)
    {
        int dataInputs = node.OpType switch
        {
            "ReduceMean" or "ReduceSum" => 1, // input 1 (axes) is int64 and read on the host
            "Clip" => 3,
            _ => c.InputCount,
        };
        for (int i = 0; i < Math.Min(dataInputs, c.InputCount); i++)
        {
            if (c.OptionalInput(i) is { } t && t.DataType != DataType.Float)
            {
                return false;
            }
        }

        return c.InputCount > 0 && c.OptionalInput(0) is not null;
    }

    private IlgpuTensor In(KernelContext c, int index) => backend.ToDevice(c.Input(index), c.IsConstantInput(index));

    private IlgpuTensor? OptionalIn(KernelContext c, int index) => c.OptionalInput(index) is { } t ? backend.ToDevice(t, c.IsConstantInput(index)) : null;

    private void Out(KernelContext c, int index, IlgpuTensor value)
    {
        if (!c.IsOutputRequested(index))
        {
            return;
        }

        var tensor = c.AllocateOutput(index, DataType.Float, new TensorShape(value.Shape));
        backend.Attach(tensor, value, hostIsStale: true);
    }

    private bool TryRun(KernelContext c)
    {
        var ops = backend.Operators;
        var a = c.Attributes;
        switch (node.OpType)
        {
            case "Relu":
                Out(c, 0, ops.Unary(UnaryOp.Relu, In(c, 0)));
                return true;
            case "Sigmoid":
                Out(c, 0, ops.Unary(UnaryOp.Sigmoid, In(c, 0)));
                return true;
            case "Tanh":
                Out(c, 0, ops.Unary(UnaryOp.Tanh, In(c, 0)));
                return true;
            case "Erf":
                Out(c, 0, ops.Unary(UnaryOp.Erf, In(c, 0)));
                return true;
            case "Exp":
                Out(c, 0, ops.Unary(UnaryOp.Exp, In(c, 0)));
                return true;
            case "Sqrt":
                Out(c, 0, ops.Unary(UnaryOp.Sqrt, In(c, 0)));
                return true;
            case "Gelu":
            {
                var approximate = a.GetString("approximate") ?? "none";
                if (approximate is not ("none" or "tanh"))
                {
                    return false;
                }

                Out(c, 0, ops.Unary(approximate == "tanh" ? UnaryOp.GeluTanh : UnaryOp.Gelu, In(c, 0)));
                return true;
            }

            case "Clip":
                return Clip(c);
            case "Add":
                return Binary(c, BinaryOp.Add);
            case "Sub":
                return Binary(c, BinaryOp.Sub);
            case "Mul":
                return Binary(c, BinaryOp.Mul);
            case "Div":
                return Binary(c, BinaryOp.Div);
            case "Pow":
                return Binary(c, BinaryOp.Pow);
            case "MatMul":
                Out(c, 0, ops.MatMul(In(c, 0), In(c, 1)));
                return true;
            case "Gemm":
                Out(c, 0, ops.Gemm(
                    In(c, 0),
                    In(c, 1),
                    OptionalIn(c, 2),
                    a.GetFloat("alpha", 1f),
                    a.GetFloat("beta", 1f),
                    a.GetInt("transA", 0) != 0,
                    a.GetInt("transB", 0) != 0));
                return true;
            case "Softmax":
            case "LogSoftmax":
            {
                bool legacy = node.OpsetVersion < 13;
                Out(c, 0, ops.Softmax(In(c, 0), a.GetInt("axis", legacy ? 1 : -1), node.OpType == "LogSoftmax", legacy));
                return true;
            }

            case "LayerNormalization":
            {
                var (y, mean, invStd) = ops.LayerNorm(In(c, 0), In(c, 1), OptionalIn(c, 2), a.GetInt("axis", -1), a.GetFloat("epsilon", 1e-5f));
                Out(c, 0, y);
                Out(c, 1, mean);
                Out(c, 2, invStd);
                return true;
            }

            case "BatchNormalization":
                if (a.GetInt("training_mode", 0) != 0 || Enumerable.Range(1, Math.Max(0, c.OutputCount - 1)).Any(c.IsOutputRequested) || c.InputCount < 5)
                {
                    return false;
                }

                Out(c, 0, ops.BatchNorm(In(c, 0), In(c, 1), In(c, 2), In(c, 3), In(c, 4), a.GetFloat("epsilon", 1e-5f)));
                return true;
            case "Conv":
                return Conv(c);
            case "MaxPool":
                return !c.IsOutputRequested(1) && Pool(c, SpatialKernels.MaxPool);
            case "AveragePool":
                return Pool(c, a.GetInt("count_include_pad", 0) != 0 ? SpatialKernels.AveragePoolIncludePad : SpatialKernels.AveragePoolExcludePad);
            case "GlobalAveragePool":
            {
                var x = In(c, 0);
                if (x.Rank < 3)
                {
                    return false;
                }

                Out(c, 0, ops.GlobalAveragePool(x));
                return true;
            }

            case "ReduceMean":
                return Reduce(c, mean: true, opsetWithAxesInput: 18);
            case "ReduceSum":
                return Reduce(c, mean: false, opsetWithAxesInput: 13);
            default:
                return false;
        }
    }

    private bool Binary(KernelContext c, BinaryOp op)
    {
        if (c.InputCount != 2)
        {
            return false;
        }

        Out(c, 0, backend.Operators.Binary(op, In(c, 0), In(c, 1)));
        return true;
    }

    private bool Clip(KernelContext c)
    {
        float lo;
        float hi;
        if (node.OpsetVersion < 11)
        {
            lo = c.Attributes.GetFloat("min", float.NegativeInfinity);
            hi = c.Attributes.GetFloat("max", float.PositiveInfinity);
        }
        else
        {
            lo = c.OptionalInput(1) is { } mn ? Scalar(mn) : float.NegativeInfinity;
            hi = c.OptionalInput(2) is { } mx ? Scalar(mx) : float.PositiveInfinity;
        }

        Out(c, 0, backend.Operators.Unary(UnaryOp.Clip, In(c, 0), lo, hi));
        return true;
    }

    private static float Scalar(Tensor t) => t.Length == 1
        ? t.AsReadOnlySpan<float>()[0]
        : throw new IlgpuUnsupportedException("Clip bounds must be scalars.");

    private bool Conv(KernelContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        int spatial = x.Shape.Rank - 2;
        if (spatial < 1 || w.Shape.Rank != x.Shape.Rank)
        {
            return false;
        }

        var a = c.Attributes;
        int[] kernel = a.GetInts("kernel_shape") is { } ks ? ToInts(ks) : w.Shape.ToArray()[2..];
        if (!kernel.AsSpan().SequenceEqual(w.Shape.Dims[2..]))
        {
            return false;
        }

        var geometry = Geometry(c, x.Shape.ToArray()[2..], kernel, ceilMode: false);
        int group = checked((int)a.GetInt("group", 1));
        Out(c, 0, backend.Operators.Conv(In(c, 0), In(c, 1), OptionalIn(c, 2), geometry, group));
        return true;
    }

    private bool Pool(KernelContext c, int kind)
    {
        var x = c.Input(0);
        var kernelShape = c.Attributes.GetInts("kernel_shape");
        if (x.Shape.Rank < 3 || kernelShape is null || kernelShape.Length != x.Shape.Rank - 2)
        {
            return false;
        }

        var geometry = Geometry(c, x.Shape.ToArray()[2..], ToInts(kernelShape), c.Attributes.GetInt("ceil_mode", 0) != 0);
        if (geometry.Output.Any(d => d <= 0))
        {
            return false;
        }

        Out(c, 0, backend.Operators.Pool(In(c, 0), geometry, kind));
        return true;
    }

    private static SpatialGeometry Geometry(KernelContext c, int[] input, int[] kernel, bool ceilMode)
    {
        var a = c.Attributes;
        string autoPad = a.GetString("auto_pad") ?? "NOTSET";
        if (autoPad.Length == 0)
        {
            autoPad = "NOTSET";
        }

        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
        {
            throw new IlgpuUnsupportedException($"auto_pad '{autoPad}' is not supported.");
        }

        return SpatialGeometry.Create(
            input,
            kernel,
            a.GetInts("strides") is { } s ? ToInts(s) : [],
            a.GetInts("dilations") is { } d ? ToInts(d) : [],
            a.GetInts("pads") is { } p ? ToInts(p) : [],
            autoPad,
            ceilMode);
    }

    private bool Reduce(KernelContext c, bool mean, int opsetWithAxesInput)
    {
        var a = c.Attributes;
        long[]? axes = node.OpsetVersion < opsetWithAxesInput
            ? a.GetInts("axes")
            : c.OptionalInput(1) is { } t ? AxesFrom(t) : null;
        bool keepDims = a.GetInt("keepdims", 1) != 0;
        bool noop = a.GetInt("noop_with_empty_axes", 0) != 0;
        var x = In(c, 0);
        if (axes is not null && axes.Distinct().Count() != axes.Length)
        {
            return false;
        }

        Out(c, 0, backend.Operators.Reduce(x, axes ?? [], keepDims, noop, mean));
        return true;
    }

    private static long[] AxesFrom(Tensor t) => t.DataType switch
    {
        DataType.Int64 => t.AsReadOnlySpan<long>().ToArray(),
        DataType.Int32 => [.. t.AsReadOnlySpan<int>().ToArray().Select(v => (long)v)],
        _ => throw new IlgpuUnsupportedException("Reduce axes must be int64."),
    };

    private static int[] ToInts(long[] values) => [.. values.Select(v => checked((int)v))];
}
