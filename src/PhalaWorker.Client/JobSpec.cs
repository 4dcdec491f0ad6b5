using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Client;

/// <summary>
/// What to run: an ONNX model and its named inputs (each a serialized onnx.TensorProto). The model's bytes must not change
/// once the spec was used: its content address is computed once.
/// </summary>
public sealed record JobSpec(byte[] Model, IReadOnlyList<(string Name, byte[] Tensor)> Inputs)
{
    private Hash32? _modelId;

    /// <summary>The AEAD of the job and result envelopes.</summary>
    public HpkeAead Aead { get; init; } = HpkeAead.ChaCha20Poly1305;

    /// <summary>32 bytes; null draws a random id.</summary>
    public byte[]? JobId { get; init; }

    /// <summary>
    /// The job's 32-byte secret (access token and receipt salt); null draws a fresh one. Give it, with <see cref="ResultKey"/>,
    /// when the caller keeps a job file to fetch the result later (<c>phala-worker submit --out</c>, <c>result fetch</c>).
    /// </summary>
    public byte[]? JobSecret { get; init; }

    /// <summary>The X25519 key the output is sealed to; null generates one for the job. The caller keeps ownership of a given key.</summary>
    public X25519KeyPair? ResultKey { get; init; }


    /// <summary>
    /// How the model travels: <see cref="ModelTransfer.Reference"/> uploads it once per node (UploadModel) and names it in
    /// each job; <see cref="ModelTransfer.Inline"/> carries it inside the job (one-off jobs).
    /// </summary>
    /// <value>Default <see cref="ModelTransfer.Reference"/>.</value>
    public ModelTransfer ModelTransfer { get; init; } = ModelTransfer.Reference;

    /// <summary>The model's content address, keccak256(model) (<see cref="JobReceiptHashes.ModelId"/>), computed once.</summary>
    public Hash32 ModelId => _modelId ??= JobReceiptHashes.ModelId(Model);
}
