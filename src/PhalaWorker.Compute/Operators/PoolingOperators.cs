using PhalaWorker.Compute.Backends;

namespace PhalaWorker.Compute.Operators;

internal static class PoolingOperators
{
    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        _ = table;
    }
}
