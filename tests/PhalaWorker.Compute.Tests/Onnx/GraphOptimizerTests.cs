using Onnx;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Compute.Tests.Onnx;

public sealed class GraphOptimizerTests
{
    private static readonly ComputeEngine Cpu = new(new ComputeOptions(), new CpuBackend());

    /// <summary>y = (x · (erf(x / √2) + 1)) · 0.5, as PyTorch exports exact GELU; optionally also exposing erf(x/√2).</summary>
    private static ModelProto GeluGraph(bool exposeErf, float sqrt2 = 1.41421356f)
    {
        var g = new GraphProto { Name = "gelu" };
        g.Input.Add(TestModels.FloatInput("x", 2, 3));
        g.Output.Add(TestModels.FloatInput("y", 2, 3));
        if (exposeErf)
        {
            g.Output.Add(TestModels.FloatInput("e", 2, 3));
        }

        g.Initializer.Add(TestModels.FloatTensor("sqrt2", [sqrt2]));
        g.Initializer.Add(TestModels.FloatTensor("one", [1f]));
        g.Initializer.Add(TestModels.FloatTensor("half", [0.5f]));
        g.Node.Add(TestModels.Node("Div", ["x", "sqrt2"], ["d"]));
        g.Node.Add(TestModels.Node("Erf", ["d"], ["e"]));
        g.Node.Add(TestModels.Node("Add", ["one", "e"], ["a"]));
        g.Node.Add(TestModels.Node("Mul", ["a", "x"], ["m"]));
        g.Node.Add(TestModels.Node("Mul", ["m", "half"], ["y"]));
        return TestModels.Model(g);
    }

    private static ModelProto MatMulAddRelu(float[] bias, long[] biasDims)
    {
        var g = new GraphProto { Name = "dense" };
        g.Input.Add(TestModels.FloatInput("x", 2, 2));
        g.Output.Add(TestModels.FloatInput("y", 2, 3));
        g.Initializer.Add(TestModels.FloatTensor("w", [1, 2, 3, 4, 5, 6], 2, 3));
        g.Initializer.Add(TestModels.FloatTensor("b", bias, biasDims));
        g.Node.Add(TestModels.Node("MatMul", ["x", "w"], ["p"]));
        g.Node.Add(TestModels.Node("Add", ["p", "b"], ["s"]));
        g.Node.Add(TestModels.Node("Relu", ["s"], ["y"]));
        return TestModels.Model(g);
    }

    private static float[] Run(ComputeModel model, params float[] x)
    {
        var input = Tensor.FromArray(x, 2, x.Length / 2);
        return Cpu.RunTensors(model, [("x", input)], CancellationToken.None)[0].AsReadOnlySpan<float>().ToArray();
    }

    private static double Gelu(double x) => 0.5 * x * (1 + MathFunctionsReference.Erf(x / Math.Sqrt(2)));

    [Test]
    public void TinyTransformerBlock_GeluAndBiasAddsFused()
    {
        var model = Cpu.Load(OnnxTestData.ModelBytes("tiny_transformer_block"));

        // 33 nodes: the 5-node GELU becomes 1, and the 6 MatMul + bias Add pairs become 6 nodes.
        Assert.That(model.NodeCount, Is.EqualTo(33 - 4 - 6));
    }

    [Test]
    public void Gelu_SubgraphFused_ValuesMatchDefinition()
    {
        var model = Cpu.Load(GeluGraph(exposeErf: false).Bytes());
        float[] x = [-4f, -2f, -0.5f, 0f, 1.5f, 4f];

        var y = Run(model, x);

        Assert.That(model.NodeCount, Is.EqualTo(1));
        Assert.That(y, Is.EqualTo(x.Select(v => (float)Gelu(v)).ToArray()).Within(1e-6f));
    }

    [Test]
    public void Gelu_IntermediateIsGraphOutput_NotFused()
    {
        var model = Cpu.Load(GeluGraph(exposeErf: true).Bytes());

        var outputs = Cpu.RunTensors(model, [("x", Tensor.FromArray(new[] { -1f, 0f, 1f, 2f, 3f, 4f }, 2, 3))], CancellationToken.None);

        Assert.That(model.NodeCount, Is.EqualTo(5));
        Assert.That(outputs[1].AsReadOnlySpan<float>()[2], Is.EqualTo((float)MathFunctionsReference.Erf(1 / Math.Sqrt(2))).Within(1e-6f));
    }

    [Test]
    public void Gelu_ScaleIsNotSqrt2_NotFused()
    {
        Assert.That(Cpu.Load(GeluGraph(exposeErf: false, sqrt2: 1.5f).Bytes()).NodeCount, Is.EqualTo(5));
    }

    [Test]
    public void MatMulBiasRelu_FusedIntoOneNode_ValuesExact()
    {
        var model = Cpu.Load(MatMulAddRelu([-10f, 0.5f, 1f], [3]).Bytes());

        var y = Run(model, 1f, 2f, -1f, 1f);

        // [1 2]·W = [9 12 15], [-1 1]·W = [3 3 3]; + b; Relu.
        Assert.That(model.NodeCount, Is.EqualTo(1));
        Assert.That(y, Is.EqualTo(new[] { 0f, 12.5f, 16f, 0f, 3.5f, 4f }));
    }

    [Test]
    public void MatMulBias_BiasBroadcastFromOneElement_NotFusedStillCorrect()
    {
        var model = Cpu.Load(MatMulAddRelu([-10f], [1]).Bytes());

        var y = Run(model, 1f, 2f, -1f, 1f);

        Assert.That(model.NodeCount, Is.EqualTo(2), "MatMul, then Add fused with Relu");
        Assert.That(y, Is.EqualTo(new[] { 0f, 2f, 5f, 0f, 0f, 0f }));
    }

    [Test]
    public void IlgpuBackend_NoCpuFusions()
    {
        using var backend = ComputeBackendRegistry.Create("ilgpu-cpu", new ComputeOptions());
        var model = new ComputeEngine(new ComputeOptions(), backend).Load(OnnxTestData.ModelBytes("tiny_transformer_block"));

        Assert.That(model.NodeCount, Is.EqualTo(33));
    }

    /// <summary>erf in double by its Maclaurin series (|x| ≤ 3 here), independent of the product's implementations.</summary>
    private static class MathFunctionsReference
    {
        public static double Erf(double x)
        {
            double term = x, sum = x;
            for (var n = 1; n < 200; n++)
            {
                term *= -x * x / n;
                sum += term / ((2 * n) + 1);
            }

            return sum * 2 / Math.Sqrt(Math.PI);
        }
    }
}
