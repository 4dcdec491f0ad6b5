namespace PhalaWorker.Compute.Backends.Cpu;

/// <summary>Serves the "cpu" backend (always available).</summary>
internal sealed class CpuBackendProvider : IComputeBackendProvider
{
    public IReadOnlyList<string> Names { get; } = ["cpu"];

    public bool IsAvailable(string name, out string reason)
    {
        reason = string.Empty;
        return true;
    }

    public IComputeBackend Create(string name, ComputeOptions options) => new CpuBackend();
}
