using System.Diagnostics;
using System.Globalization;
using PhalaWorker.Compute;
using PhalaWorker.Compute.Backends.Ilgpu;
using PhalaWorker.Compute.Conformance;

namespace PhalaWorker.Benchmarks.Ilgpu;

/// <summary>
/// `harness ilgpu-throughput [cpu|cuda] [runs=N] [models...]`: per bundled model, side by side in one process, a backend
/// with a stream per job and kernel metadata cached with the plan ("cached") against one on the default stream uploading
/// metadata per launch ("plain"): metadata uploads and host→device copies per run after the first, and the median run
/// time (runs interleaved). On ILGPU's CPU accelerator the times only show the overhead is not worse; the throughput
/// figure that matters needs `cuda` on a GPU host.
/// </summary>
public sealed class IlgpuThroughputHarness : IHarness
{
    public string Name => "ilgpu-throughput";

    public async Task<int> RunAsync(string[] args)
    {
        var kind = args.Length > 0 && args[0] == "cuda" ? IlgpuDeviceKind.Cuda : IlgpuDeviceKind.CpuAccelerator;
        int runs = args.FirstOrDefault(a => a.StartsWith("runs=", StringComparison.Ordinal)) is { } r ? int.Parse(r[5..], CultureInfo.InvariantCulture) : 5;
        var names = args.Skip(1).Where(a => !a.Contains('=', StringComparison.Ordinal)).ToArray();
        if (names.Length == 0)
        {
            names = ["tiny_mlp", "tiny_transformer_block", "light_squeezenet"];
        }

        if (kind == IlgpuDeviceKind.Cuda && !IlgpuBackend.IsCudaAvailable(out string reason))
        {
            await Console.Error.WriteLineAsync($"no CUDA device: {reason}");
            return 2;
        }

        await using var cached = new IlgpuBackend(kind);
        await using var plain = new IlgpuBackend(kind);
        plain.Device.UseJobStream = false;
        plain.Device.UseMetadataCache = false;
        var cachedEngine = new ComputeEngine(new ComputeOptions { ModelCacheEntries = 0 }, cached);
        var plainEngine = new ComputeEngine(new ComputeOptions { ModelCacheEntries = 0 }, plain);
        await Console.Out.WriteLineAsync($"device: {cached.DeviceDescription}; {runs} runs after one warm-up, interleaved; load average {LoadAverage()}");
        await Console.Out.WriteLineAsync("model\tvariant\tmeta uploads/run\tH2D copies/run\tmedian ms");
        var root = FindModels();
        foreach (var name in names)
        {
            var folder = Path.Combine(root, name);
            var bytes = await File.ReadAllBytesAsync(Path.Combine(folder, "model.onnx"));
            var inputs = NodeTestRunner.ReadTensorFiles(Path.Combine(folder, "test_data_set_0"), "input")
                .Select(b => (string.Empty, (ReadOnlyMemory<byte>)b)).ToArray();
            var variants = new[] { (Label: "cached", Backend: cached, Engine: cachedEngine), (Label: "plain", Backend: plain, Engine: plainEngine) };
            var models = variants.Select(v => v.Engine.Load(bytes)).ToArray();
            var times = variants.Select(_ => new List<double>()).ToArray();
            var meta = new long[2];
            var copies = new long[2];
            for (int i = 0; i < 2; i++)
            {
                variants[i].Engine.Run(models[i], inputs, CancellationToken.None); // warm-up: kernels compiled, weights and metadata uploaded
                meta[i] = variants[i].Backend.Device.MetadataUploads;
                copies[i] = variants[i].Backend.HostToDeviceCopies;
            }

            for (int run = 0; run < runs; run++)
            {
                for (int i = 0; i < 2; i++)
                {
                    var sw = Stopwatch.StartNew();
                    variants[i].Engine.Run(models[i], inputs, CancellationToken.None);
                    times[i].Add(sw.Elapsed.TotalMilliseconds);
                }
            }

            for (int i = 0; i < 2; i++)
            {
                times[i].Sort();
                double perRunMeta = (variants[i].Backend.Device.MetadataUploads - meta[i]) / (double)runs;
                double perRunCopies = (variants[i].Backend.HostToDeviceCopies - copies[i]) / (double)runs;
                await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{name}\t{variants[i].Label}\t{perRunMeta:0.#}\t{perRunCopies:0.#}\t{times[i][times[i].Count / 2]:0.0}"));
            }
        }

        await Console.Out.WriteLineAsync($"load average at end {LoadAverage()}");
        return 0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

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

        throw new DirectoryNotFoundException("tests/testdata/onnx/models not found");
    }
}
