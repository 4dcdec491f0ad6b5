using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Jobs;

/// <summary>The receipt's salted input/output hash of protocol tensors (<see cref="JobReceiptHashes"/>).</summary>
internal static class ReceiptHashes
{
    public static Hash32 Tensors(Hash32 salt, IEnumerable<NamedTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return JobReceiptHashes.Tensors(salt.AsSpan(), tensors.Select(t => (t.Name, t.Tensor.Memory)));
    }
}
