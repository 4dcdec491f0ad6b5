using System.Buffers.Binary;
using System.Text;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Receipts;

/// <summary>
/// The receipt's input and output hashes (proto/README.md): keccak256 over the tensors in order of
/// [u32be len(name) ‖ name (UTF-8) ‖ u32be len(tensor) ‖ tensor bytes]. The node computes them when it signs a
/// receipt and the submitter recomputes them when it checks one, so both sides share this one definition.
/// </summary>
public static class JobReceiptHashes
{
    public static Hash32 Tensors(IEnumerable<(string Name, ReadOnlyMemory<byte> Tensor)> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var hasher = Keccak256.CreateIncremental();
        Span<byte> length = stackalloc byte[4];
        foreach (var (name, tensor) in tensors)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)nameBytes.Length);
            hasher.Append(length);
            hasher.Append(nameBytes);
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)tensor.Length);
            hasher.Append(length);
            hasher.Append(tensor.Span);
        }

        return hasher.GetHash();
    }
}
