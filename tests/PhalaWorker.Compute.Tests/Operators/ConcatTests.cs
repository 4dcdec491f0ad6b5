using Onnx;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Tests.Onnx;

namespace PhalaWorker.Compute.Tests.Operators;

public sealed class ConcatTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Concat_LargeChannelConcat_SameAsElementwiseDefinition(int threads)
    {
        // [2, 300, 301] ++ [2, 200, 301] along axis 1: 1.2 MB of output, copied in parallel pieces above one thread.
        var g = new GraphProto { Name = "concat" };
        g.Input.Add(TestModels.FloatInput("a", 2, 300, 301));
        g.Input.Add(TestModels.FloatInput("b", 2, 200, 301));
        g.Output.Add(TestModels.FloatInput("y", 2, 500, 301));
        g.Node.Add(TestModels.Node("Concat", ["a", "b"], ["y"], new AttributeProto { Name = "axis", I = 1, Type = AttributeProto.Types.AttributeType.Int }));
        var engine = new ComputeEngine(new ComputeOptions { Threads = threads }, new CpuBackend());
        var a = Enumerable.Range(0, 2 * 300 * 301).Select(i => (float)i).ToArray();
        var b = Enumerable.Range(0, 2 * 200 * 301).Select(i => -(float)i - 1).ToArray();

        var y = engine.RunTensors(engine.Load(TestModels.Model(g).Bytes()),
            [("a", Tensor.FromArray(a, 2, 300, 301)), ("b", Tensor.FromArray(b, 2, 200, 301))], CancellationToken.None)[0].AsReadOnlySpan<float>().ToArray();

        var expected = new float[2 * 500 * 301];
        for (var n = 0; n < 2; n++)
        {
            Array.Copy(a, n * 300 * 301, expected, n * 500 * 301, 300 * 301);
            Array.Copy(b, n * 200 * 301, expected, (n * 500 * 301) + (300 * 301), 200 * 301);
        }

        Assert.That(y, Is.EqualTo(expected));
    }
}
