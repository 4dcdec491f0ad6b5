using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Tests.Onnx;

namespace PhalaWorker.Compute.Tests.Operators;

public sealed class SumTests
{
    [TestCase("Sum", 3, false)]
    [TestCase("Sum", 3, true)]
    [TestCase("Add", 2, true)]
    [TestCase("Add", 2, false)]
    public void LargeFloatSum_AnyThreadCount_SameBitsAsLeftFold(string op, int inputs, bool relu)
    {
        // 3 x 200 x 301 floats: over the parallel threshold, not a multiple of any vector width.
        var g = new global::Onnx.GraphProto { Name = "sum" };
        var names = Enumerable.Range(0, inputs).Select(i => $"x{i}").ToArray();
        foreach (var n in names)
        {
            g.Input.Add(TestModels.FloatInput(n, 3, 200, 301));
        }

        g.Output.Add(TestModels.FloatInput("y", 3, 200, 301));
        g.Node.Add(TestModels.Node(op, names, [relu ? "s" : "y"]));
        if (relu)
        {
            g.Node.Add(TestModels.Node("Relu", ["s"], ["y"]));
        }

        var random = new Random(5);
        var values = names.Select(_ => Enumerable.Range(0, 3 * 200 * 301).Select(_ => (float)(random.NextDouble() - 0.5) * 100).ToArray()).ToArray();
        var feeds = names.Select((n, i) => (n, Tensor.FromArray(values[i], 3, 200, 301))).ToList();
        var expected = new float[values[0].Length];
        for (var e = 0; e < expected.Length; e++)
        {
            var acc = values[0][e];
            for (var i = 1; i < inputs; i++)
            {
                acc += values[i][e];
            }

            expected[e] = relu ? Math.Max(acc, 0f) : acc;
        }

        foreach (var threads in new[] { 1, 2, 3 })
        {
            var engine = new ComputeEngine(new ComputeOptions { Threads = threads }, new CpuBackend());
            var y = engine.RunTensors(engine.Load(TestModels.Model(g).Bytes()), feeds, CancellationToken.None)[0].AsReadOnlySpan<float>().ToArray();

            Assert.That(y, Is.EqualTo(expected), $"{threads} threads");
        }
    }
}
