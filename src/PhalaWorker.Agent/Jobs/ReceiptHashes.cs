using System.Buffers.Binary;
using System.Text;
using Google.Protobuf.Collections;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// The receipt's input/output hash: keccak256 over the tensors in order of
/// [u32be len(name) ‖ name (UTF-8) ‖ u32be len(tensor) ‖ tensor bytes] (proto/README.md).
/// </summary>
internal static class ReceiptHashes
{
    public static Hash32 Tensors(RepeatedField<NamedTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var stream = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var tensor in tensors)
        {
            var name = Encoding.UTF8.GetBytes(tensor.Name);
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)name.Length);
            stream.Write(length);
            stream.Write(name);
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)tensor.Tensor.Length);
            stream.Write(length);
            stream.Write(tensor.Tensor.Span);
        }

        return Keccak256.Hash(stream.GetBuffer().AsSpan(0, (int)stream.Length));
    }
}
