using System.Runtime.InteropServices;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Compute.Onnx;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Compute.Tests.Backends;

/// <summary>
/// The bundled models on the CPU backend give bit-identical outputs at 1, 2 and 3 threads (the output hash is signed
/// into receipts), covering every GEMM/conv path the models reach (prepacked, transposed, live-row and edge tiles).
/// </summary>
public sealed class CpuThreadIndependenceTests
{
    [TestCase("tiny_mlp")]
    [TestCase("light_squeezenet")]
    [TestCase("light_resnet50")]
    public void RunTensors_AnyThreadCount_SameBits(string name)
    {
        var model = OnnxTestData.ModelBytes(name);
        var inputs = NodeTestRunner.ReadTensorFiles(Path.Combine(OnnxTestData.Model(name), "test_data_set_0"), "input")
            .Select(b => (string.Empty, TensorProtoConverter.Deserialize(b, long.MaxValue, name))).ToList();
        byte[][]? reference = null;
        foreach (var threads in new[] { 1, 2, 3 })
        {
            var engine = new ComputeEngine(new ComputeOptions { Threads = threads }, new CpuBackend());
            var outputs = engine.RunTensors(engine.Load(model), inputs, CancellationToken.None)
                .Select(t => MemoryMarshal.AsBytes(t.AsReadOnlySpan<float>()).ToArray()).ToArray();
            if (reference is null)
            {
                reference = outputs;
                continue;
            }

            Assert.That(outputs, Is.EqualTo(reference), $"{threads} threads");
        }
    }
}
