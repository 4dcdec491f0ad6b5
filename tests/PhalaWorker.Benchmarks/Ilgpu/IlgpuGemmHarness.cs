using System.Diagnostics;
using System.Globalization;
using PhalaWorker.Compute.Backends.Ilgpu;

namespace PhalaWorker.Benchmarks.Ilgpu;

/// <summary>
/// `harness ilgpu-gemm [cpu|cuda] [tile=T] [sizes...]`: the tiled GEMM kernel on an ILGPU accelerator, square M=N=K, median of
/// a few runs after a warm-up (kernel compiled once). The CPU accelerator simulates GPU threads, so its figure is for
/// the record only; the CUDA figure needs a GPU host.
/// </summary>
public sealed class IlgpuGemmHarness : IHarness
{
    public string Name => "ilgpu-gemm";

    public Task<int> RunAsync(string[] args)
    {
        var kind = args.Length > 0 && args[0] == "cuda" ? IlgpuDeviceKind.Cuda : IlgpuDeviceKind.CpuAccelerator;
        int? tile = args.FirstOrDefault(a => a.StartsWith("tile=", StringComparison.Ordinal)) is { } t ? int.Parse(t[5..], CultureInfo.InvariantCulture) : null;
        var numbers = args.Skip(1).Where(a => !a.Contains('=', StringComparison.Ordinal)).ToArray();
        int[] sizes = numbers.Length > 0 ? [.. numbers.Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : [64, 128, 256];
        if (kind == IlgpuDeviceKind.Cuda && !IlgpuBackend.IsCudaAvailable(out string reason))
        {
            // Harness output is a console report; a blocking write is what we want here.
#pragma warning disable VSTHRD103
            Console.Error.WriteLine($"no CUDA device: {reason}");
#pragma warning restore VSTHRD103
            return Task.FromResult(2);
        }

        using var device = IlgpuDevice.Create(kind);
        var ops = new IlgpuOperators(device);
        if (tile is { } edge)
        {
            device.GemmTile = edge;
        }

        Console.WriteLine($"device: {device.Description}, GEMM tile {device.GemmTile}x{device.GemmTile}, cuBLAS: {(device.CuBlas is null ? "no" : "yes")}");
        Console.WriteLine("size\tmedian ms\tGFLOP/s");
        var random = new Random(1234);
        foreach (int n in sizes)
        {
            var a = Enumerable.Range(0, n * n).Select(_ => (float)random.NextDouble()).ToArray();
            var b = Enumerable.Range(0, n * n).Select(_ => (float)random.NextDouble()).ToArray();
            var da = ops.Upload(a, [n, n]);
            var db = ops.Upload(b, [n, n]);
            ops.Release(ops.MatMul(da, db));
            device.Accelerator.Synchronize();
            int runs = n >= 512 ? 3 : 5;
            var times = new List<double>();
            for (int r = 0; r < runs; r++)
            {
                var sw = Stopwatch.StartNew();
                var y = ops.MatMul(da, db);
                device.Accelerator.Synchronize();
                times.Add(sw.Elapsed.TotalMilliseconds);
                ops.Release(y);
            }

            times.Sort();
            double median = times[times.Count / 2];
            double gflops = 2.0 * n * n * n / (median / 1000) / 1e9;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{n}\t{median:F2}\t{gflops:F3}"));
            device.EndJob();
        }

        return Task.FromResult(0);
    }
}
