using System.Buffers.Binary;
using System.Text;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Client;

/// <summary>
/// The receipt's input/output hash: keccak256 over the tensors in order of
/// [u32be len(name) ‖ name (UTF-8) ‖ u32be len(tensor) ‖ tensor bytes] (proto/README.md).
/// </summary>
public static class ReceiptHashes
{
    public static Hash32 Tensors(IEnumerable<NamedTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var hasher = Keccak256.CreateIncremental();
        Span<byte> length = stackalloc byte[4];
        foreach (var tensor in tensors)
        {
            var name = Encoding.UTF8.GetBytes(tensor.Name);
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)name.Length);
            hasher.Append(length);
            hasher.Append(name);
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)tensor.Tensor.Length);
            hasher.Append(length);
            hasher.Append(tensor.Tensor.Span);
        }

        return hasher.GetHash();
    }
}
