using System.Diagnostics;
using System.Globalization;
using PhalaWorker.Crypto.Hpke;

namespace PhalaWorker.Benchmarks.Crypto;

/// <summary>
/// <c>harness per-job-cost [jobs]</c>: runs the per-job crypto workload and reports process CPU time per job,
/// which, unlike wall-clock figures, stays meaningful on a loaded machine.
/// </summary>
public sealed class PerJobCostHarness : IHarness
{
    public string Name => "per-job-cost";

    public Task<int> RunAsync(string[] args)
    {
        int jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        foreach (HpkeAead aead in new[] { HpkeAead.ChaCha20Poly1305, HpkeAead.Aes128Gcm, HpkeAead.Aes256Gcm })
        {
            using var workload = new PerJobWorkload(aead);
            Measure(jobs / 10, workload.Run); // warm-up (JIT tiering)
            double total = Measure(jobs, workload.Run);
            double open = Measure(jobs, workload.OpenJob);
            double seal = Measure(jobs, workload.SealResult);
            double sign = Measure(jobs, workload.SignReceipt);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{aead,-17} per job {total:F1} us CPU (open 4 KiB {open:F1}, seal 1 KiB {seal:F1}, sign receipt {sign:F1}) over {jobs} jobs; target < 300 us: {(total < 300 ? "met" : "MISSED")}"));
        }

        return Task.FromResult(0);
    }

    private static double Measure<T>(int count, Func<T> action)
    {
        TimeSpan start = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < count; i++)
        {
            GC.KeepAlive(action());
        }

        TimeSpan elapsed = Process.GetCurrentProcess().TotalProcessorTime - start;
        return elapsed.TotalMicroseconds / count;
    }
}
