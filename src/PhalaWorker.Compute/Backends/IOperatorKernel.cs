namespace PhalaWorker.Compute.Backends;

/// <summary>
/// Executes one node. A kernel reads its inputs from <see cref="KernelContext.Input"/>, allocates each output with
/// <see cref="KernelContext.AllocateOutput"/> (or passes a view/input through <see cref="KernelContext.SetOutput"/>),
/// and must write every element of what it allocates. Kernels must be deterministic: the same inputs give
/// bit-identical outputs regardless of the thread count (fixed reduction order / fixed partitions).
/// </summary>
public interface IOperatorKernel
{
    void Execute(KernelContext context);
}
