using System.Diagnostics;
using System.Globalization;
using PhalaWorker.Compute;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Onnx;

namespace PhalaWorker.Benchmarks.Compute;

/// <summary>
/// Per-operator time of the CPU backend on one model: <c>harness onnx-profile MODEL_DIR [threads] [runs] [auto|avx2] [shapes]</c>. Warms up for
/// 1.5 s first (tiered JIT), then reports the mean per run of every op and the time outside kernels (engine overhead).
/// </summary>
public sealed class OnnxProfileHarness : IHarness
{
    public string Name => "onnx-profile";

    public async Task<int> RunAsync(string[] args)
    {
        var folder = args[0];
        var threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var isa = args.Length > 3 ? args[3] : "auto";
        var backend = new TimingBackend { ByShape = args.Length > 4 && args[4] == "shapes" };
        Sgemm.SelectIsa(isa);
        var engine = new ComputeEngine(new ComputeOptions { Threads = threads }, backend);
        var model = engine.Load(await File.ReadAllBytesAsync(Path.Combine(folder, "model.onnx")));
        var inputs = NodeTestRunner.ReadTensorFiles(Path.Combine(folder, "test_data_set_0"), "input")
            .Select(b => (string.Empty, TensorProtoConverter.Deserialize(b, long.MaxValue, "in"))).ToList();
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 3 || warm.Elapsed.TotalSeconds < 1.5; i++)
        {
            engine.RunTensors(model, inputs, CancellationToken.None);
        }

        backend.Times.Clear();
        if (Environment.GetEnvironmentVariable("PW_PROFILE_AB_CHUNK") is { } abChunk)
        {
            // A/B inside one process, run by run: the default im2col chunk (A) against PW_PROFILE_AB_CHUNK floats (B).
            var chunkA = Sgemm.ProducedChunkFloats;
            var chunkB = int.Parse(abChunk, CultureInfo.InvariantCulture);
            var timesA = new List<double>();
            var timesB = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                Sgemm.ProducedChunkFloats = chunkA;
                var sa = Stopwatch.StartNew();
                engine.RunTensors(model, inputs, CancellationToken.None);
                timesA.Add(sa.Elapsed.TotalMilliseconds);
                Sgemm.ProducedChunkFloats = chunkB;
                var sb = Stopwatch.StartNew();
                engine.RunTensors(model, inputs, CancellationToken.None);
                timesB.Add(sb.Elapsed.TotalMilliseconds);
            }

            timesA.Sort();
            timesB.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"A/B medians: chunk {chunkA} {timesA[runs / 2]:F3} ms, chunk {chunkB} {timesB[runs / 2]:F3} ms"));
            return 0;
        }

        var total = Stopwatch.StartNew();
        var fastest = double.MaxValue;
        for (var i = 0; i < runs; i++)
        {
            var one = Stopwatch.StartNew();
            engine.RunTensors(model, inputs, CancellationToken.None);
            fastest = Math.Min(fastest, one.Elapsed.TotalMilliseconds);
        }

        var perRun = total.Elapsed.TotalMilliseconds / runs;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total {perRun:F4} ms/run (fastest {fastest:F4}); outside kernels {perRun - (backend.Times.Values.Sum() / runs):F4} ms"));
        foreach (var (op, t) in backend.Times.OrderByDescending(p => p.Value))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{op,-60} {t / runs:F4} ms"));
        }

        if (backend.ByShape)
        {
            OrtProfile(Path.Combine(folder, "model.onnx"), inputs, threads, runs);
        }

        return 0;
    }

    /// <summary>
    /// ONNX Runtime's own per-node profile of the same model (reference only): its profiler's kernel times summed per
    /// op and input shape, averaged per run, after the same warm-up.
    /// </summary>
    private static void OrtProfile(string modelPath, List<(string, Tensor Tensor)> inputs, int threads, int runs)
    {
        var prefix = Path.Combine(Path.GetTempPath(), "ort-profile-" + Environment.ProcessId);
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = Microsoft.ML.OnnxRuntime.ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = Microsoft.ML.OnnxRuntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var warmSession = new Microsoft.ML.OnnxRuntime.InferenceSession(modelPath, options);
        options.EnableProfiling = true;
        options.ProfileOutputPathPrefix = prefix;
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(modelPath, options);
        var values = inputs.Select(i => Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(
            i.Tensor.AsReadOnlySpan<float>().ToArray(), i.Tensor.Shape.ToArray().Select(d => (long)d).ToArray())).ToArray();
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 3 || warm.Elapsed.TotalSeconds < 1.5; i++)
        {
            using var o = session.Run(runOptions, session.InputNames, values, session.OutputNames);
        }

        var total = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            using var o = session.Run(runOptions, session.InputNames, values, session.OutputNames);
        }

        var perRun = total.Elapsed.TotalMilliseconds / runs;
        var file = session.EndProfiling();
        var times = new Dictionary<string, double>();
        var warmRuns = 0;
        using (var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file)))
        {
            var events = doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("traceEvents");
            var all = events.EnumerateArray().Where(e => e.TryGetProperty("cat", out var cat) && cat.GetString() == "Node"
                && e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal)).ToList();
            var perNode = all.GroupBy(e => e.GetProperty("name").GetString()!).Select(g => g.Count()).DefaultIfEmpty(0).Max();
            warmRuns = perNode - runs;
            foreach (var e in all)
            {
                var a = e.GetProperty("args");
                var key = "ort:" + a.GetProperty("op_name").GetString() + " " + (a.TryGetProperty("input_type_shape", out var sh) ? sh.GetRawText().Replace("\"", string.Empty, StringComparison.Ordinal) : string.Empty);
                times[key] = times.GetValueOrDefault(key) + (e.GetProperty("dur").GetDouble() / 1000.0);
            }
        }

        File.Delete(file);
        var counted = runs + Math.Max(0, warmRuns);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ONNX Runtime total {perRun:F4} ms/run (profiled; node times averaged over {counted} runs incl. warm-up)"));
        foreach (var (op, t) in times.OrderByDescending(p => p.Value))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{op,-60} {t / counted:F4} ms"));
        }

        foreach (var v in values)
        {
            v.Dispose();
        }
    }

    private sealed class TimingBackend : IComputeBackend
    {
        public Dictionary<string, double> Times { get; } = [];

        /// <summary>Whether ops are keyed by their input shapes too (which Conv layer costs what).</summary>
        public bool ByShape { get; init; }

        public string Name => "cpu";

        public IOperatorKernel? TryCreateKernel(OperatorNode node) => new Timed(this, (node.Domain.Length > 0 ? "fused:" : string.Empty) + node.OpType, CpuKernels.Get(node));

        public IDisposable BeginJob() => new CpuBackend().BeginJob();

        public void Dispose()
        {
        }

        private sealed class Timed(TimingBackend owner, string op, IOperatorKernel inner) : IOperatorKernel
        {
            public void Execute(KernelContext context)
            {
                var key = op;
                if (owner.ByShape)
                {
                    key += " " + string.Join(" ", Enumerable.Range(0, Math.Min(2, context.InputCount)).Select(i => context.OptionalInput(i)?.Shape.ToString() ?? "-"));
                    if (context.Node.Attributes.GetInts("strides") is { } s)
                    {
                        key += " s" + string.Join("x", s);
                    }
                }

                var sw = Stopwatch.StartNew();
                inner.Execute(context);
                owner.Times[key] = owner.Times.GetValueOrDefault(key) + sw.Elapsed.TotalMilliseconds;
            }
        }
    }
}
