using System.Runtime.ExceptionServices;
using PhalaWorker.Compute.Backends;

namespace PhalaWorker.Compute.Internal;

/// <summary>Runs one kernel and turns what a bad model or input can provoke (index, arithmetic, cast errors, also inside
/// parallel loops) into <see cref="ComputeException"/> naming the node; cancellation passes through.</summary>
internal static class KernelRunner
{
    public static void Execute(IOperatorKernel kernel, KernelContext context)
    {
        try
        {
            kernel.Execute(context);
        }
        catch (AggregateException ex)
        {
            var inner = ex.Flatten().InnerExceptions;
            if (inner.FirstOrDefault(e => e is ComputeException or OperationCanceledException) is { } known)
            {
                ExceptionDispatchInfo.Capture(known).Throw();
            }

            throw Wrap(context, inner.Count > 0 ? inner[0] : ex);
        }
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentException or InvalidCastException or ArithmeticException
            or InvalidOperationException or NotSupportedException or NullReferenceException)
        {
            throw Wrap(context, ex);
        }
    }

    private static ComputeException Wrap(KernelContext context, Exception ex) =>
        new(ComputeErrorReason.ExecutionFailed, $"{context.Node.Display} failed: {ex.GetType().Name}: {ex.Message}", ex);
}
