using BenchmarkDotNet.Attributes;
using PhalaWorker.Crypto.Hpke;

namespace PhalaWorker.Benchmarks.Crypto;

/// <summary>Per-job crypto cost (target &lt; 0.3 ms): open job + seal result + sign receipt, and each step alone.</summary>
[MemoryDiagnoser]
public class PerJobCostBenchmarks
{
    private PerJobWorkload _workload = null!;

    [GlobalSetup]
    public void Setup() => _workload = new PerJobWorkload(HpkeAead.ChaCha20Poly1305);

    [GlobalCleanup]
    public void Cleanup() => _workload.Dispose();

    [Benchmark(Baseline = true)]
    public object PerJob() => _workload.Run();

    [Benchmark]
    public byte[] OpenJob4KiB() => _workload.OpenJob();

    [Benchmark]
    public object SealResult1KiB() => _workload.SealResult();

    [Benchmark]
    public byte[] SignReceipt() => _workload.SignReceipt();
}
