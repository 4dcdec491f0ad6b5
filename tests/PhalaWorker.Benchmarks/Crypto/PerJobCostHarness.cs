using System.Globalization;
using System.Runtime.InteropServices;
using PhalaWorker.Crypto.Hpke;

namespace PhalaWorker.Benchmarks.Crypto;

/// <summary>
/// <c>harness per-job-cost [jobs]</c>: runs the per-job crypto workload and reports this thread's CPU time per job
/// (clock_gettime(CLOCK_THREAD_CPUTIME_ID)), which, unlike wall-clock figures, stays meaningful on a loaded machine
/// and excludes the runtime's background JIT and GC threads.
/// </summary>
public sealed partial class PerJobCostHarness : IHarness
{
    private const int ClockThreadCpuTime = 3;

    public string Name => "per-job-cost";

    public Task<int> RunAsync(string[] args)
    {
        int jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        foreach (HpkeAead aead in new[] { HpkeAead.ChaCha20Poly1305, HpkeAead.Aes128Gcm, HpkeAead.Aes256Gcm })
        {
            using var workload = new PerJobWorkload(aead);
            // Warm up past tiered compilation, then give the background JIT time to install tier-1 code.
            Measure(jobs, workload.Run);
            Measure(jobs / 4, workload.OpenJob);
            Measure(jobs / 4, workload.SealResult);
            Measure(jobs / 4, workload.SignReceipt);
            Thread.Sleep(500);
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
        long start = ThreadCpuNanoseconds();
        for (int i = 0; i < count; i++)
        {
            GC.KeepAlive(action());
        }

        return (ThreadCpuNanoseconds() - start) / 1000.0 / count;
    }

    private static long ThreadCpuNanoseconds()
    {
        if (clock_gettime(ClockThreadCpuTime, out TimeSpec time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
        }

        return time.Seconds * 1_000_000_000 + time.Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
