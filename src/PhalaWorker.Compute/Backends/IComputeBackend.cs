using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Backends;

/// <summary>
/// A compute backend ("cpu", "ilgpu-cpu", "cuda"). Contract:
/// <list type="number">
/// <item>Planning: for every node of a loaded model (in topological order, after constant folding) the engine calls
/// <see cref="TryCreateKernel"/> once. A backend returns a kernel for the ops it accelerates (MatMul, Gemm, Conv, pools,
/// elementwise, Softmax, ...) and <c>null</c> for the rest; the engine then uses the CPU kernel
/// (<see cref="Cpu.CpuKernels"/>), so every backend supports the full operator set. Shape-only ops (Reshape, Shape,
/// Squeeze, ...) should stay on the host. The returned kernel may be cached by the backend and is reused across jobs
/// of the same loaded model; it must be safe to call from one job at a time per model.</item>
/// <item>Execution: each job runs inside <see cref="BeginJob"/>'s scope, on one backend, one node at a time in order.
/// Tensors are host arrays (<see cref="Tensor"/>); an accelerator may keep a result on its device by attaching
/// <see cref="ITensorDeviceData"/> with <c>hostIsStale: true</c> — the host copy is made lazily when a CPU kernel or the
/// engine reads it, and the engine disposes the device data when the value dies. Disposing the job scope must release
/// and zero any pooled device memory so that one job never sees another's data.</item>
/// <item>Determinism: a backend gives bit-identical outputs for the same job on the same device.</item>
/// </list>
/// Backends are created by name through <see cref="ComputeBackendRegistry"/> (providers implement
/// <see cref="IComputeBackendProvider"/> and are discovered by reflection).
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>The backend's name as used in configuration and receipts ("cpu", "ilgpu-cpu", "cuda").</summary>
    string Name { get; }

    /// <summary>A kernel for <paramref name="node"/>, or null to fall back to the CPU kernel.</summary>
    IOperatorKernel? TryCreateKernel(OperatorNode node);

    /// <summary>Starts one job; the returned scope is disposed when the job ends (also on failure or cancellation).</summary>
    IDisposable BeginJob();
}
