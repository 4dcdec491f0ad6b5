using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using PhalaWorker.Compute;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Onnx;

namespace PhalaWorker.Benchmarks.Compute;

/// <summary>
/// The CPU backend next to ONNX Runtime CPU on the bundled models and a 1024×1024 MatMul, at 1 and 2 threads, side by
/// side in one run: <c>dotnet run -c Release --project tests/PhalaWorker.Benchmarks -- harness onnx-ort [testdata/onnx/models] [minSeconds]</c>.
/// Each cell is the median latency of steady-state runs (model loaded/session created once, ≥ 1 s of warm-up runs).
/// </summary>
public sealed class OnnxRuntimeComparisonHarness : IHarness
{
    public string Name => "onnx-ort";

    public async Task<int> RunAsync(string[] args)
    {
        var modelRoot = args.Length > 0 ? args[0] : FindModels();
        var minSeconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1.5;
        var cases = new List<(string Name, byte[] Model, List<(string Name, Tensor Tensor)> Inputs)>();
        foreach (var name in new[] { "tiny_mlp", "tiny_transformer_block", "light_squeezenet", "light_resnet50" })
        {
            var folder = Path.Combine(modelRoot, name);
            var inputs = NodeTestRunner.ReadTensorFiles(Path.Combine(folder, "test_data_set_0"), "input")
                .Select(b => (string.Empty, TensorProtoConverter.Deserialize(b, long.MaxValue, name))).ToList();
            cases.Add((name, await File.ReadAllBytesAsync(Path.Combine(folder, "model.onnx")), inputs));
        }

        cases.Add(MatMulCase(1024));
        Console.WriteLine($"CPU: {Environment.ProcessorCount} cores; AVX-512F {System.Runtime.Intrinsics.X86.Avx512F.IsSupported}; ORT {typeof(InferenceSession).Assembly.GetName().Version}");
        Console.WriteLine("| model | threads | PhalaWorker cpu (ms) | ONNX Runtime (ms) | ratio |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var c in cases)
        {
            foreach (var threads in new[] { 1, 2 })
            {
                var ours = MeasureOurs(c.Model, c.Inputs, threads, minSeconds);
                var ort = MeasureOrt(c.Model, c.Inputs, threads, minSeconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {c.Name} | {threads} | {ours:F3} | {ort:F3} | {ours / ort:F2}x |"));
            }
        }

        return 0;
    }

    private static double MeasureOurs(byte[] model, List<(string Name, Tensor Tensor)> inputs, int threads, double minSeconds)
    {
        var engine = new ComputeEngine(new ComputeOptions { Threads = threads }, new CpuBackend());
        var loaded = engine.Load(model);
        return Median(() => engine.RunTensors(loaded, inputs, CancellationToken.None), minSeconds);
    }

    private static double MeasureOrt(byte[] model, List<(string Name, Tensor Tensor)> inputs, int threads, double minSeconds)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(model, options);
        var names = session.InputNames;
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(
            i.Tensor.AsReadOnlySpan<float>().ToArray(), i.Tensor.Shape.ToArray().Select(d => (long)d).ToArray())).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            return Median(() =>
            {
                using var outputs = session.Run(runOptions, names, values, session.OutputNames);
                return outputs.Count;
            }, minSeconds);
        }
        finally
        {
            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    private static double Median<T>(Func<T> run, double minSeconds)
    {
        // Warm up for at least 3 runs and 1.5 s whatever the model's size, so .NET's tiered JIT has promoted the kernels
        // to optimized code (a cap on warm-up runs let tiny models be measured half in tier-0 code, ~4x slower).
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 3 || warm.Elapsed.TotalSeconds < 1.5; i++)
        {
            run();
        }

        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 5 || (total.Elapsed.TotalSeconds < minSeconds && times.Count < 20000))
        {
            var sw = Stopwatch.StartNew();
            run();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private static (string, byte[], List<(string, Tensor)>) MatMulCase(int n)
    {
        var graph = new Onnx.GraphProto { Name = "matmul" };
        foreach (var name in new[] { "a", "b", "c" })
        {
            var shape = new Onnx.TensorShapeProto();
            shape.Dim.Add(new Onnx.TensorShapeProto.Types.Dimension { DimValue = n });
            shape.Dim.Add(new Onnx.TensorShapeProto.Types.Dimension { DimValue = n });
            var vi = new Onnx.ValueInfoProto { Name = name, Type = new Onnx.TypeProto { TensorType = new Onnx.TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
            (name == "c" ? graph.Output : graph.Input).Add(vi);
        }

        var node = new Onnx.NodeProto { OpType = "MatMul" };
        node.Input.AddRange(["a", "b"]);
        node.Output.Add("c");
        graph.Node.Add(node);
        var model = new Onnx.ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new Onnx.OperatorSetIdProto { Version = 13 });
        var seed = 12345u;
        float Next()
        {
            seed = (seed * 1664525u) + 1013904223u;
            return (seed >> 8) / 16777216f - 0.5f;
        }

        var a = Enumerable.Range(0, n * n).Select(_ => Next()).ToArray();
        var b = Enumerable.Range(0, n * n).Select(_ => Next()).ToArray();
        return ($"matmul_{n}x{n}", model.ToByteArray(), [("a", Tensor.FromArray(a, n, n)), ("b", Tensor.FromArray(b, n, n))]);
    }

    private static string FindModels()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "testdata", "onnx", "models");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/testdata/onnx/models not found; pass the models folder as the first argument");
    }
}
