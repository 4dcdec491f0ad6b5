using System.Buffers.Binary;
using System.Text;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Receipts;

/// <summary>
/// The receipt's model, input and output hashes (proto/README.md), salted with the job's receipt salt
/// (<see cref="JobSecrets.ReceiptSalt"/>) so that nobody without the job secret can confirm a guessed model or input:
/// <code>
/// model_hash  = keccak256( salt ‖ model )
/// input_hash  = keccak256( salt ‖ for each tensor in order: u32be(len(name)) ‖ name (UTF-8) ‖ u32be(len(tensor)) ‖ tensor )
/// output_hash = the same over the outputs
/// </code>
/// The node computes them when it signs a receipt and the submitter recomputes them when it checks one, so both sides
/// share this one definition.
/// </summary>
public static class JobReceiptHashes
{
    /// <summary>The salted model hash.</summary>
    public static Hash32 Model(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> model)
    {
        CheckSalt(salt);
        var hasher = Keccak256.CreateIncremental();
        hasher.Append(salt);
        hasher.Append(model);
        return hasher.GetHash();
    }

    /// <summary>The salted hash of named tensors, in the order given.</summary>
    public static Hash32 Tensors(ReadOnlySpan<byte> salt, IEnumerable<(string Name, ReadOnlyMemory<byte> Tensor)> tensors)
    {
        CheckSalt(salt);
        ArgumentNullException.ThrowIfNull(tensors);
        var hasher = Keccak256.CreateIncremental();
        hasher.Append(salt);
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

    private static void CheckSalt(ReadOnlySpan<byte> salt)
    {
        if (salt.Length != JobSecrets.Length)
        {
            throw new ArgumentException($"the receipt salt is {JobSecrets.Length} bytes", nameof(salt));
        }
    }
}
