using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Backends.Cpu;

/// <summary>The CPU backend: every node runs on <see cref="CpuKernels"/> (SIMD, parallel GEMM/convolution).</summary>
public sealed class CpuBackend : IComputeBackend
{
    public string Name => "cpu";

    public IOperatorKernel? TryCreateKernel(OperatorNode node) => CpuKernels.Get(node);

    public IDisposable BeginJob() => NoopScope.Instance;

    public void Dispose()
    {
    }

    private sealed class NoopScope : IDisposable
    {
        public static readonly NoopScope Instance = new();

        public void Dispose()
        {
        }
    }
}
