using PhalaWorker.Crypto.Hpke;

namespace PhalaWorker.Client;

/// <summary>What to run: an ONNX model and its named inputs (each a serialized onnx.TensorProto).</summary>
public sealed record JobSpec(byte[] Model, IReadOnlyList<(string Name, byte[] Tensor)> Inputs)
{
    /// <summary>The AEAD of the job and result envelopes.</summary>
    public HpkeAead Aead { get; init; } = HpkeAead.ChaCha20Poly1305;

    /// <summary>32 bytes; null draws a random id.</summary>
    public byte[]? JobId { get; init; }
}
