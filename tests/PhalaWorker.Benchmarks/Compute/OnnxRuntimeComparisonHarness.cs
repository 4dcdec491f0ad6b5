using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using PhalaWorker.Compute;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Operators;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Onnx;

namespace PhalaWorker.Benchmarks.Compute;

/// <summary>
/// The CPU backend next to ONNX Runtime CPU on the bundled models and a 1024×1024 MatMul, at 1 and 2 threads, side by
/// side in one run: <c>dotnet run -c Release --project tests/PhalaWorker.Benchmarks -- harness onnx-ort [--isa avx2]
/// [--reps N] [--only NAME] [--winograd on|off|ab] [testdata/onnx/models] [minSeconds]</c>. After warming both up (≥ 1.5 s each, tiered JIT),
/// ours and ONNX Runtime run alternately, one run each, until each has had minSeconds, so load that comes and goes on a
/// shared machine hits both alike; a cell is the median of its runs (and, a figure that holds better under load, the fastest run of each and their ratio), and with <c>--reps N</c> the table is measured N
/// times and a summary gives each cell's median over the repetitions (ratio: median of the per-repetition ratios).
/// <c>--isa avx2</c> runs our Vector256 kernels (<see cref="ComputeOptions.CpuIsa"/>) and, on a CPU with AVX-512,
/// re-launches the harness with <c>DOTNET_EnableAVX512=0</c> so the JIT emits AVX2 code as on an AVX2-only CPU. ONNX
/// Runtime picks its own kernels from CPUID whatever the flag (on an AVX-512 CPU it keeps its AVX-512 kernels).
/// <c>--winograd off</c> runs 3×3 convolutions through im2col (<see cref="Winograd3x3.Enabled"/>); <c>--winograd ab</c>
/// measures ours both ways and ORT, the three alternating run by run on the same loaded model, for the A/B.
/// </summary>
public sealed class OnnxRuntimeComparisonHarness : IHarness
{
    private static readonly string[] ModelNames = ["tiny_mlp", "tiny_transformer_block", "light_squeezenet", "light_resnet50", "light_inception_v1"];

    public string Name => "onnx-ort";

    public async Task<int> RunAsync(string[] args)
    {
        var isa = "auto";
        var reps = 1;
        string? only = null;
        var winograd = "on";
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--isa" when i + 1 < args.Length:
                    isa = args[++i];
                    break;
                case "--reps" when i + 1 < args.Length:
                    reps = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--only" when i + 1 < args.Length:
                    only = args[++i];
                    break;
                case "--winograd" when i + 1 < args.Length:
                    winograd = args[++i];
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (isa == "avx2" && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            return await RelaunchWithoutAvx512Async(args);
        }

        var modelRoot = rest.Count > 0 ? rest[0] : FindModels();
        var minSeconds = rest.Count > 1 ? double.Parse(rest[1], CultureInfo.InvariantCulture) : 1.5;
        var cases = new List<(string Name, byte[] Model, List<(string Name, Tensor Tensor)> Inputs)>();
        foreach (var name in ModelNames.Where(n => only is null || n.Contains(only, StringComparison.Ordinal)))
        {
            var folder = Path.Combine(modelRoot, name);
            var inputs = NodeTestRunner.ReadTensorFiles(Path.Combine(folder, "test_data_set_0"), "input")
                .Select(b => (string.Empty, TensorProtoConverter.Deserialize(b, long.MaxValue, name))).ToList();
            cases.Add((name, await File.ReadAllBytesAsync(Path.Combine(folder, "model.onnx")), inputs));
        }

        if (only is null || "matmul".Contains(only, StringComparison.Ordinal))
        {
            cases.Add(MatMulCase(1024));
        }

        var options = new ComputeOptions { CpuIsa = isa };
        Sgemm.SelectIsa(isa);
        var ab = winograd == "ab";
        Winograd3x3.Enabled = winograd != "off";
        Console.WriteLine($"CPU: {CpuModel()}, {Environment.ProcessorCount} cores; kernels: {Sgemm.IsaDescription}; Winograd {winograd}; ORT {typeof(InferenceSession).Assembly.GetName().Version}");
        var results = new Dictionary<(string, int), List<(double Ours, double Ort, double Im2Col)>>();
        for (var rep = 0; rep < reps; rep++)
        {
            Console.WriteLine($"repetition {rep + 1}/{reps}, load average at start {LoadAverage()}");
            Console.WriteLine(ab
                ? "| model | threads | ours im2col (ms) | ours Winograd (ms) | ONNX Runtime (ms) | im2col / ORT | Winograd / ORT |"
                : "| model | threads | PhalaWorker cpu (ms) | ONNX Runtime (ms) | ratio | fastest runs: ours / ORT = ratio |");
            Console.WriteLine(ab ? "|---|---|---|---|---|---|---|" : "|---|---|---|---|---|---|");
            foreach (var c in cases)
            {
                foreach (var threads in new[] { 1, 2 })
                {
                    var (ours, ort, oursFastest, ortFastest, im2col) = MeasurePair(options, c.Model, c.Inputs, threads, minSeconds, ab);
                    Console.WriteLine(ab
                        ? string.Create(CultureInfo.InvariantCulture,
                            $"| {c.Name} | {threads} | {im2col:F3} | {ours:F3} | {ort:F3} | {im2col / ort:F2}x | {ours / ort:F2}x |")
                        : string.Create(CultureInfo.InvariantCulture,
                            $"| {c.Name} | {threads} | {ours:F3} | {ort:F3} | {ours / ort:F2}x | {oursFastest:F3} / {ortFastest:F3} = {oursFastest / ortFastest:F2}x |"));
                    if (!results.TryGetValue((c.Name, threads), out var list))
                    {
                        results[(c.Name, threads)] = list = [];
                    }

                    list.Add((ours, ort, im2col));
                }
            }
        }

        if (reps > 1)
        {
            Console.WriteLine($"summary: median of {reps} repetitions (ratio range in brackets), load average at end {LoadAverage()}");
            Console.WriteLine(ab
                ? "| model | threads | ours im2col (ms) | ours Winograd (ms) | ONNX Runtime (ms) | im2col / ORT | Winograd / ORT |"
                : "| model | threads | PhalaWorker cpu (ms) | ONNX Runtime (ms) | ratio |");
            Console.WriteLine(ab ? "|---|---|---|---|---|---|---|" : "|---|---|---|---|---|");
            foreach (var ((name, threads), list) in results)
            {
                var ratios = list.Select(p => p.Ours / p.Ort).Order().ToList();
                var im2colRatios = list.Select(p => p.Im2Col / p.Ort).Order().ToList();
                Console.WriteLine(ab
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"| {name} | {threads} | {MedianOf(list.Select(p => p.Im2Col))} | {MedianOf(list.Select(p => p.Ours))} | {MedianOf(list.Select(p => p.Ort))} | {MedianOf(im2colRatios)}x ({im2colRatios[0]:F2}–{im2colRatios[^1]:F2}) | {MedianOf(ratios)}x ({ratios[0]:F2}–{ratios[^1]:F2}) |")
                    : string.Create(CultureInfo.InvariantCulture,
                        $"| {name} | {threads} | {MedianOf(list.Select(p => p.Ours))} | {MedianOf(list.Select(p => p.Ort))} | {MedianOf(ratios)}x ({ratios[0]:F2}–{ratios[^1]:F2}) |"));
            }
        }

        return 0;
    }

    private static async Task<int> RelaunchWithoutAvx512Async(string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        var commandLine = Environment.GetCommandLineArgs();
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(commandLine[0]); // the benchmark dll
        }

        start.ArgumentList.Add("harness");
        start.ArgumentList.Add("onnx-ort");
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_EnableAVX512"] = "0";
        Console.WriteLine("AVX-512 CPU: re-running with DOTNET_EnableAVX512=0 (JIT emits AVX2 code, as on an AVX2-only CPU)");
        using var child = Process.Start(start)!;
        await child.WaitForExitAsync();
        return child.ExitCode;
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        return median.ToString("F3", CultureInfo.InvariantCulture);
    }

    private static (double Ours, double Ort, double OursFastest, double OrtFastest, double Im2Col) MeasurePair(ComputeOptions baseOptions, byte[] model, List<(string Name, Tensor Tensor)> inputs, int threads, double minSeconds, bool ab)
    {
        var engine = new ComputeEngine(new ComputeOptions { Threads = threads, CpuIsa = baseOptions.CpuIsa }, new CpuBackend());
        var loaded = engine.Load(model);
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(model, options);
        var names = session.InputNames;
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(
            i.Tensor.AsReadOnlySpan<float>().ToArray(), i.Tensor.Shape.ToArray().Select(d => (long)d).ToArray())).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            void Ours() => engine.RunTensors(loaded, inputs, CancellationToken.None);
            void Ort()
            {
                using var outputs = session.Run(runOptions, names, values, session.OutputNames);
            }

            // Warm up each for at least 3 runs and 1.5 s whatever the model's size, so .NET's tiered JIT has promoted the
            // kernels to optimized code (a cap on warm-up runs let tiny models be measured half in tier-0 code, ~4x slower).
            void Im2Col()
            {
                Winograd3x3.Enabled = false;
                try
                {
                    Ours();
                }
                finally
                {
                    Winograd3x3.Enabled = true;
                }
            }

            Warm(Ours);
            if (ab)
            {
                Warm(Im2Col);
            }

            Warm(Ort);
            var ours = new List<double>();
            var ort = new List<double>();
            var im2col = new List<double>();
            double oursTotal = 0, ortTotal = 0;
            while (ours.Count < 5 || ((oursTotal < minSeconds * 1000 || ortTotal < minSeconds * 1000) && ours.Count < 20000))
            {
                var sw = Stopwatch.StartNew();
                Ours();
                ours.Add(sw.Elapsed.TotalMilliseconds);
                oursTotal += ours[^1];
                sw.Restart();
                Ort();
                ort.Add(sw.Elapsed.TotalMilliseconds);
                ortTotal += ort[^1];
                if (ab)
                {
                    sw.Restart();
                    Im2Col();
                    im2col.Add(sw.Elapsed.TotalMilliseconds);
                }
            }

            ours.Sort();
            ort.Sort();
            im2col.Sort();
            return (ours[ours.Count / 2], ort[ort.Count / 2], ours[0], ort[0], ab ? im2col[im2col.Count / 2] : double.NaN);
        }
        finally
        {
            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    private static void Warm(Action run)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 3 || warm.Elapsed.TotalSeconds < 1.5; i++)
        {
            run();
        }
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
