using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Protocol.Wire;

/// <summary>
/// The receipt's salted hash of protocol tensors (<c>JobRequest.inputs</c> → <c>input_hash</c>, <c>JobOutput.outputs</c>
/// → <c>output_hash</c>): <see cref="JobReceiptHashes.Tensors"/> over each <see cref="NamedTensor"/>'s name and serialized
/// <c>onnx.TensorProto</c> bytes, in the order the message lists them. The node signs it, the submitter recomputes it.
/// </summary>
public static class ReceiptHashes
{
    /// <summary>The salted hash of <paramref name="tensors"/> in message order.</summary>
    public static Hash32 Tensors(Hash32 salt, IEnumerable<NamedTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return JobReceiptHashes.Tensors(salt.AsSpan(), tensors.Select(t => (t.Name, t.Tensor.Memory)));
    }
}
