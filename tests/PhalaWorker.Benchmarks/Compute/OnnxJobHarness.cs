using System.Diagnostics;
using System.Globalization;
using PhalaWorker.Compute;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Conformance;

namespace PhalaWorker.Benchmarks.Compute;

/// <summary>
/// What a job costs on the CPU backend as the agent runs it (model bytes in, serialized outputs out): loading alone (parse,
/// validate, fold, plan), running a loaded model, and a whole job with the model cache off and on (a repeated model):
/// <c>harness onnx-job [models-dir] [threads]</c>. Medians after a 1.5 s warm-up.
/// </summary>
public sealed class OnnxJobHarness : IHarness
{
    public string Name => "onnx-job";

    public async Task<int> RunAsync(string[] args)
    {
        var root = args.Length > 0 ? args[0] : Path.Combine(FindRepo(), "tests", "testdata", "onnx", "models");
        var threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        Console.WriteLine("| model | load (ms) | run on loaded model (ms) | job, model not cached (ms) | job, model cached (ms) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var name in new[] { "tiny_mlp", "tiny_transformer_block", "light_squeezenet", "light_resnet50" })
        {
            var folder = Path.Combine(root, name);
            var bytes = await File.ReadAllBytesAsync(Path.Combine(folder, "model.onnx"));
            var inputs = NodeTestRunner.ReadTensorFiles(Path.Combine(folder, "test_data_set_0"), "input")
                .Select(b => (string.Empty, (ReadOnlyMemory<byte>)b)).ToList();
            var uncached = new ComputeEngine(new ComputeOptions { Threads = threads, ModelCacheEntries = 0 }, new CpuBackend());
            var cached = new ComputeEngine(new ComputeOptions { Threads = threads }, new CpuBackend());
            var loaded = uncached.Load(bytes);
            var load = Median(() => uncached.Load(bytes));
            var run = Median(() => uncached.Run(loaded, inputs, CancellationToken.None));
            var fresh = Median(() => uncached.Run(bytes, inputs, CancellationToken.None));
            var hit = Median(() => cached.Run(bytes, inputs, CancellationToken.None));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {load:F3} | {run:F3} | {fresh:F3} | {hit:F3} |"));
        }

        return 0;
    }

    private static double Median<T>(Func<T> action)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 3 || warm.Elapsed.TotalSeconds < 1.5; i++)
        {
            action();
        }

        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 5 || (total.Elapsed.TotalSeconds < 1.5 && times.Count < 5000))
        {
            var sw = Stopwatch.StartNew();
            action();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PhalaWorker.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("PhalaWorker.sln not found; pass the models folder");
    }
}
