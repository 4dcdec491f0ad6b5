using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>Activations and pass-throughs: Relu Sigmoid Tanh Gelu LeakyRelu Elu HardSigmoid Softplus Clip Identity Dropout.</summary>
internal static class ActivationOperators
{
    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["Relu"] = c => UnaryOperators.Numeric(c, UnaryOperators.NumericUnary.Relu);
        table["Sigmoid"] = c => UnaryOperators.Float(c, static (x, d) => TensorPrimitives.Sigmoid(x, d), static v => 1 / (1 + Math.Exp(-v)));
        table["Tanh"] = c => UnaryOperators.Float(c, static (x, d) => TensorPrimitives.Tanh(x, d), Math.Tanh);
        table["Gelu"] = Gelu;
        table["LeakyRelu"] = c =>
        {
            double alpha = c.Attributes.GetFloat("alpha", 0.01f);
            UnaryOperators.Float(c, (x, d) => UnaryOperators.Scalar(x, d, v => v >= 0 ? v : v * alpha), v => v >= 0 ? v : v * alpha);
        };
        table["Elu"] = c =>
        {
            double alpha = c.Attributes.GetFloat("alpha", 1f);
            UnaryOperators.Float(c, (x, d) => UnaryOperators.Scalar(x, d, v => v >= 0 ? v : alpha * (Math.Exp(v) - 1)), v => v >= 0 ? v : alpha * (Math.Exp(v) - 1));
        };
        table["HardSigmoid"] = c =>
        {
            double alpha = c.Attributes.GetFloat("alpha", 0.2f);
            double beta = c.Attributes.GetFloat("beta", 0.5f);
            UnaryOperators.Float(c, (x, d) => UnaryOperators.Scalar(x, d, v => Math.Clamp(alpha * v + beta, 0, 1)), v => Math.Clamp(alpha * v + beta, 0, 1));
        };
        table["Softplus"] = c => UnaryOperators.Float(c, static (x, d) => UnaryOperators.Scalar(x, d, Softplus), Softplus);
        table["Clip"] = Clip;
        table["Identity"] = c => c.SetOutput(0, c.Input(0));
        table["Dropout"] = Dropout;
    }

    private static double Softplus(double v) => v > 30 ? v : Math.Log(1 + Math.Exp(v));

    /// <summary>ONNX Gelu (also the kernel of the Gelu the graph optimizer fuses from Div/Erf/Add/Mul/Mul).</summary>
    internal static void Gelu(KernelContext c)
    {
        var approximate = c.Attributes.GetString("approximate") ?? "none";
        if (approximate == "none" && c.Input(0).DataType == DataType.Float)
        {
            UnaryOperators.Float(c, static (x, d) => VectorMath.Gelu(x, d), static v => v);
            return;
        }

        Func<double, double> f = approximate switch
        {
            "none" => static v => 0.5 * v * (1 + MathFunctions.Erf(v / Math.Sqrt(2))),
            "tanh" => static v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
            _ => throw new ComputeException(ComputeErrorReason.InvalidModel, $"{c.Node.Display}: approximate '{approximate}' is not supported"),
        };
        UnaryOperators.Float(c, (x, d) => UnaryOperators.Scalar(x, d, f), f);
    }

    private static void Clip(KernelContext c)
    {
        var x = c.Input(0);
        var o = c.AllocateOutputUninitialized(0, x.DataType, x.Shape);
        var act = new ClipAction { X = x, O = o, Context = c };
        TypeDispatch.Numeric(x.DataType, c.Node.Display, ref act);
    }

    private static void Dropout(KernelContext c)
    {
        var x = c.Input(0);
        var training = c.OptionalInput(2) is { } t && t.AsReadOnlySpan<bool>()[0];
        if (training)
        {
            var ratio = c.OptionalInput(1) is { } r ? Conversions.ToDoubles(r, c.Node.Display)[0] : 0.5;
            if (ratio != 0)
            {
                throw new ComputeException(ComputeErrorReason.UnsupportedOperator,
                    $"{c.Node.Display}: training-mode Dropout is random and not supported (jobs must be deterministic)");
            }
        }

        c.SetOutput(0, x);
        if (c.IsOutputRequested(1))
        {
            var maskType = c.Node.OpsetVersion >= 10 ? DataType.Bool : x.DataType;
            var mask = c.AllocateOutput(1, maskType, x.Shape);
            if (maskType == DataType.Bool)
            {
                mask.AsSpan<bool>().Fill(true);
            }
            else
            {
                var full = new Tensor(DataType.Bool, x.Shape, Enumerable.Repeat(true, x.Length).ToArray());
                Conversions.Convert(full, mask, c.Node.Display);
            }
        }
    }

    private struct ClipAction : INumericAction
    {
        public Tensor X;
        public Tensor O;
        public KernelContext Context;

        public readonly void Invoke<T>()
            where T : unmanaged, INumber<T>
        {
            T lo, hi;
            if (Context.Node.OpsetVersion < 11)
            {
                lo = T.CreateSaturating(Context.Attributes.GetFloat("min", float.NegativeInfinity));
                hi = T.CreateSaturating(Context.Attributes.GetFloat("max", float.PositiveInfinity));
            }
            else
            {
                lo = Context.OptionalInput(1) is { } mn ? mn.AsReadOnlySpan<T>()[0] : MinValue<T>();
                hi = Context.OptionalInput(2) is { } mx ? mx.AsReadOnlySpan<T>()[0] : MaxValue<T>();
            }

            var s = X.AsReadOnlySpan<T>();
            var d = O.AsSpan<T>();
            for (var i = 0; i < s.Length; i++)
            {
                var v = s[i];
                if (T.IsNaN(v))
                {
                    d[i] = v;
                    continue;
                }

                v = v < lo ? lo : v;
                d[i] = v > hi ? hi : v;
            }
        }

        private static T MinValue<T>()
            where T : INumber<T> => T.CreateSaturating(double.NegativeInfinity);

        private static T MaxValue<T>()
            where T : INumber<T> => T.CreateSaturating(double.PositiveInfinity);
    }
}
