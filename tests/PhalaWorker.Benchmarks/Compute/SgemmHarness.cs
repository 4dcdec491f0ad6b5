using System.Diagnostics;
using System.Globalization;
using PhalaWorker.Compute.Backends.Cpu;

namespace PhalaWorker.Benchmarks.Compute;

/// <summary>
/// The CPU backend's <see cref="Sgemm"/> alone on the shapes that dominate the bundled models (conv-as-GEMM with
/// prepacked weights, the 1024³ MatMul, tiny_mlp's small-M Gemms), at 1 and 2 threads:
/// <c>dotnet run -c Release --project tests/PhalaWorker.Benchmarks -- harness sgemm [filter]</c>. Prints median µs and GFLOP/s.
/// </summary>
public sealed class SgemmHarness : IHarness
{
    public string Name => "sgemm";

    public Task<int> RunAsync(string[] args)
    {
        var filter = args.Length > 0 ? args[0] : string.Empty;
        // (label, m, n, k, prepackA, prepackB, bias+relu)
        var cases = new (string Label, int M, int N, int K, bool PackA, bool PackB, bool BiasRelu)[]
        {
            ("matmul1024", 1024, 1024, 1024, false, false, false),
            ("mlp1 4x128x784", 4, 128, 784, false, true, false),
            ("mlp1x8 8x128x784", 8, 128, 784, false, true, false),
            ("mlp1x1 1x128x784", 1, 128, 784, false, true, false),
            ("mlp2 4x64x128", 4, 64, 128, false, true, false),
            ("mlp3 4x10x64", 4, 10, 64, false, true, false),
            ("sq 64x3025x16", 64, 3025, 16, true, false, true),
            ("sq 64x3025x144", 64, 3025, 144, true, false, true),
            ("sq 128x729x288", 128, 729, 288, true, false, true),
            ("sq 256x169x576", 256, 169, 576, true, false, true),
            ("sq 1000x169x512", 1000, 169, 512, true, false, true),
            ("sq 64x12321x27", 64, 12321, 27, true, false, true),
            ("rn 512x49x4608", 512, 49, 4608, true, false, true),
            ("rn 2048x49x512", 2048, 49, 512, true, false, true),
            ("rn 256x196x2304", 256, 196, 2304, true, false, true),
            ("rn 1024x196x256", 1024, 196, 256, true, false, true),
            ("rn 128x784x1152", 128, 784, 1152, true, false, true),
            ("rn 64x3136x576", 64, 3136, 576, true, false, true),
            ("rn 256x3136x64", 256, 3136, 64, true, false, true),
            ("x 64x3136x256", 64, 3136, 256, true, false, true),
            ("x 64x3136x512", 64, 3136, 512, true, false, true),
            ("x 64x3025x576", 64, 3025, 576, true, false, true),
            ("x 64x3136x576 nobias", 64, 3136, 576, true, false, false),
            ("x 64x3136x576 packB", 64, 3136, 576, true, true, false),
        };
        Console.WriteLine($"Vector512 kernels: {Sgemm.UseVector512}");
        if (filter == "bw")
        {
            foreach (var kb in new[] { 16, 128, 400, 1024, 4096 })
            {
                var buf = new float[kb * 256];
                var us = Median(() => Sum(buf));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read {kb} KB: {us:F2} µs, {kb * 1024 / us / 1e3:F1} GB/s"));
            }

            return Task.FromResult(0);
        }

        if (filter.StartsWith("eff", StringComparison.Ordinal))
        {
            return Task.FromResult(Efficiency(cases, filter.Length > 4 ? filter[4..] : string.Empty));
        }

        Console.WriteLine("| case | threads | µs | GFLOP/s |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (label, m, n, k, packA, packB, biasRelu) in cases)
        {
            if (!label.Contains(filter.StartsWith("ab ", StringComparison.Ordinal) ? filter[3..] : filter, StringComparison.Ordinal))
            {
                continue;
            }

            var random = new Random(42);
            var a = Enumerable.Range(0, m * k).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var b = Enumerable.Range(0, k * n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var bias = Enumerable.Range(0, m).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var c = new float[m * n];
            var pa = packA ? Sgemm.PrepackA(m, k, a, 0, k) : null;
            var pb = packB ? Sgemm.PrepackB(k, n, b, 0, n, false) : null;
            if (filter.StartsWith("ab ", StringComparison.Ordinal))
            {
                // A/B: packed vs in-place B, interleaved, 1 thread.
                for (var rep = 0; rep < 3; rep++)
                {
                    foreach (var direct in new[] { false, true })
                    {
                        Sgemm.DirectB = direct;
                        var t = Median(() => Sgemm.Multiply(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n, 1, biasRelu ? bias : null, 0, biasRelu, pa, pb));
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | direct {direct} | {t:F1} | {2.0 * m * n * k / t / 1e3:F1} |"));
                    }
                }

                Sgemm.DirectB = true;
                continue;
            }

            foreach (var threads in new[] { 1, 2 })
            {
                var us = Median(() => Sgemm.Multiply(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n, threads,
                    biasRelu ? bias : null, 0, biasRelu, pa, pb));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {threads} | {us:F1} | {2.0 * m * n * k / us / 1e3:F1} |"));
            }
        }

        return Task.FromResult(0);
    }

    /// <summary>
    /// <c>harness sgemm "eff [filter]"</c>: 1 thread, the fastest of many runs of each case as a share of the core's FMA
    /// peak measured in the same process (a register-only loop of 12 independent 256-bit FMA chains, also its fastest
    /// run), so the figure holds on a loaded machine where medians do not.
    /// </summary>
    private static int Efficiency((string Label, int M, int N, int K, bool PackA, bool PackB, bool BiasRelu)[] cases, string filter)
    {
        var peak = 0.0;
        for (var rep = 0; rep < 5; rep++)
        {
            peak = Math.Max(peak, 2.0 * 8 * 12 * 200_000 / Fastest(() => _sink = FmaLoop(200_000)) / 1e3);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak (Vector256 FMA loop, fastest run): {peak:F1} GFLOP/s"));
        Console.WriteLine("| case | fastest µs | GFLOP/s | of peak |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (label, m, n, k, packA, packB, biasRelu) in cases)
        {
            if (!label.Contains(filter, StringComparison.Ordinal))
            {
                continue;
            }

            var random = new Random(42);
            var a = Enumerable.Range(0, m * k).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var b = Enumerable.Range(0, k * n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var bias = Enumerable.Range(0, m).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var c = new float[m * n];
            var pa = packA ? Sgemm.PrepackA(m, k, a, 0, k) : null;
            var pb = packB ? Sgemm.PrepackB(k, n, b, 0, n, false) : null;
            var us = Fastest(() => Sgemm.Multiply(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n, 1, biasRelu ? bias : null, 0, biasRelu, pa, pb));
            var gflops = 2.0 * m * n * k / us / 1e3;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {us:F1} | {gflops:F1} | {100 * gflops / peak:F0} % |"));
        }

        return 0;
    }

    private static float _sink;

    private static float FmaLoop(int iterations)
    {
        var x = System.Runtime.Intrinsics.Vector256.Create(0.999f);
        var y = System.Runtime.Intrinsics.Vector256.Create(0.001f);
        System.Runtime.Intrinsics.Vector256<float> c0 = x, c1 = x, c2 = x, c3 = x, c4 = x, c5 = x, c6 = x, c7 = x, c8 = x, c9 = x, c10 = x, c11 = x;
        for (var i = 0; i < iterations; i++)
        {
            c0 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c0, x, y);
            c1 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c1, x, y);
            c2 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c2, x, y);
            c3 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c3, x, y);
            c4 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c4, x, y);
            c5 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c5, x, y);
            c6 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c6, x, y);
            c7 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c7, x, y);
            c8 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c8, x, y);
            c9 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c9, x, y);
            c10 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c10, x, y);
            c11 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(c11, x, y);
        }

        return System.Runtime.Intrinsics.Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    private static double Fastest(Action run)
    {
        for (var i = 0; i < 3; i++)
        {
            run();
        }

        var best = double.MaxValue;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < 10 || (total.Elapsed.TotalSeconds < 1.0 && i < 20000); i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            best = Math.Min(best, sw.Elapsed.TotalMicroseconds);
        }

        return best;
    }

    private static unsafe float Sum(float[] buffer)
    {
        var a0 = System.Runtime.Intrinsics.Vector512<float>.Zero;
        var a1 = a0;
        fixed (float* p = buffer)
        {
            for (var i = 0; i < buffer.Length; i += 32)
            {
                a0 += System.Runtime.Intrinsics.Vector512.Load(p + i);
                a1 += System.Runtime.Intrinsics.Vector512.Load(p + i + 16);
            }
        }

        return System.Runtime.Intrinsics.Vector512.Sum(a0 + a1);
    }

    private static double Median(Action run)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 3 || warm.Elapsed.TotalSeconds < 0.3; i++)
        {
            run();
        }

        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 5 || (total.Elapsed.TotalSeconds < 0.5 && times.Count < 20000))
        {
            var sw = Stopwatch.StartNew();
            run();
            times.Add(sw.Elapsed.TotalMicroseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }
}
