using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>Constant and ConstantOfShape (folded into constants at load when their inputs are constant).</summary>
internal static class ConstantOperators
{
    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["Constant"] = Constant;
        table["ConstantOfShape"] = ConstantOfShape;
    }

    private static void Constant(KernelContext c)
    {
        var a = c.Attributes;
        Tensor value;
        if (a.GetTensor("value") is { } t)
        {
            value = t;
        }
        else if (a.Has("value_float"))
        {
            value = Tensor.Scalar(a.GetFloat("value_float", 0));
        }
        else if (a.GetFloats("value_floats") is { } fs)
        {
            value = Tensor.FromArray((float[])fs.Clone(), fs.Length);
        }
        else if (a.GetIntOrNull("value_int") is { } i)
        {
            value = Tensor.Scalar(i);
        }
        else if (a.GetInts("value_ints") is { } ints)
        {
            value = Tensor.FromArray((long[])ints.Clone(), ints.Length);
        }
        else
        {
            throw new ComputeException(ComputeErrorReason.UnsupportedOperator,
                $"{c.Node.Display}: Constant needs value, value_float(s) or value_int(s) (sparse and string values are not supported)");
        }

        var o = c.AllocateOutput(0, value.DataType, value.Shape);
        value.AsBytes().CopyTo(o.AsBytes());
    }

    private static void ConstantOfShape(KernelContext c)
    {
        var dims = Conversions.ToLongs(c.Input(0), c.Node.Display);
        if (dims.Any(d => d < 0 || d > int.MaxValue))
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: invalid shape [{string.Join(",", dims)}]");
        }

        var value = c.Attributes.GetTensor("value") ?? Tensor.Scalar(0f);
        if (value.Length != 1)
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel, $"{c.Node.Display}: value must have one element");
        }

        var o = c.AllocateOutput(0, value.DataType, new TensorShape(dims.Select(d => (int)d).ToArray()));
        var act = new FillAction { Value = value, Target = o };
        TypeDispatch.Raw(value.DataType, c.Node.Display, ref act);
    }

    private struct FillAction : IRawAction
    {
        public Tensor Value;
        public Tensor Target;

        public readonly void Invoke<T>()
            where T : unmanaged => RawSpan.Of<T>(Target).Fill(RawSpan.Of<T>(Value)[0]);
    }
}
