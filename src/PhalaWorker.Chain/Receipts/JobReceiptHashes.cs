using System.Buffers.Binary;
using System.Text;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Receipts;

/// <summary>
/// The receipt's model, input and output hashes (proto/README.md), salted with the job's receipt salt
/// (<see cref="JobSecrets.ReceiptSalt"/>) so that nobody without the job secret can confirm a guessed model or input:
/// <code>
/// model_id    = keccak256( model )                      (the model's content address: ModelReference.model_hash)
/// model_hash  = keccak256( salt ‖ model_id )
/// input_hash  = keccak256( salt ‖ for each tensor in order: u32be(len(name)) ‖ name (UTF-8) ‖ u32be(len(tensor)) ‖ tensor )
/// output_hash = the same over the outputs
/// </code>
/// The node computes them when it signs a receipt and the submitter recomputes them when it checks one, so both sides
/// share this one definition. The model enters through its content address, so a node that holds a model by reference
/// hashes the model once (at upload) and each receipt costs one 64-byte hash; a job carrying its model inline gets the same
/// model_hash as one naming it by reference.
/// </summary>
public static class JobReceiptHashes
{
    /// <summary>The salted model hash of a model's bytes.</summary>
    public static Hash32 Model(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> model) => Model(salt, ModelId(model));

    /// <summary>The salted model hash from the model's content address (<see cref="ModelId"/>).</summary>
    public static Hash32 Model(ReadOnlySpan<byte> salt, Hash32 modelId)
    {
        CheckSalt(salt);
        var hasher = Keccak256.CreateIncremental();
        hasher.Append(salt);
        hasher.Append(modelId.AsSpan());
        return hasher.GetHash();
    }

    /// <summary>A model's content address: keccak256 of its serialized ModelProto.</summary>
    public static Hash32 ModelId(ReadOnlySpan<byte> model) => Keccak256.Hash(model);

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
