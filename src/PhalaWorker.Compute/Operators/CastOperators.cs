using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>Cast and CastLike between the supported element types (float8/float4/int4/int2/bfloat16 refused by name).</summary>
internal static class CastOperators
{
    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["Cast"] = c => Cast(c, (DataType)c.Attributes.GetInt("to", 0));
        table["CastLike"] = c => Cast(c, c.Input(1).DataType);
    }

    private static void Cast(KernelContext c, DataType to)
    {
        var x = c.Input(0);
        if (!DataTypes.IsSupported(to))
        {
            throw new ComputeException(ComputeErrorReason.UnsupportedDataType,
                $"{c.Node.Display}: cast to {(Enum.IsDefined(to) ? to.ToString() : ((int)to).ToString(System.Globalization.CultureInfo.InvariantCulture))} is not supported");
        }

        var o = c.AllocateOutput(0, to, x.Shape);
        Conversions.Convert(x, o, c.Node.Display);
    }
}
