using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Crypto.Envelopes;

/// <summary>
/// The model envelope: a serialized <c>ModelUpload</c> sealed by the uploader to the node's HPKE key. The job envelope's
/// construction under its own info string, so that a model upload can never be opened as a job or the other way round:
/// HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256; info = "phala-worker/v1 model";
/// aad = info ‖ upload_id(32) ‖ node_address(20).
/// </summary>
public static class ModelEnvelope
{
    /// <summary>The HPKE info string, also the AAD prefix.</summary>
    public static ReadOnlySpan<byte> Info => "phala-worker/v1 model"u8;

    /// <summary>Seals <paramref name="modelUpload"/> to the node.</summary>
    /// <exception cref="ArgumentException">The upload id is not 32 bytes or the node address not 20.</exception>
    /// <exception cref="CryptoException">The node public key is malformed or the AEAD unsupported.</exception>
    public static HpkeSealed Seal(ReadOnlySpan<byte> nodeHpkePublicKey, ReadOnlySpan<byte> uploadId32, ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> modelUpload, HpkeAead aead = HpkeAead.ChaCha20Poly1305) =>
        EnvelopeFormat.Seal(Info, nodeHpkePublicKey, uploadId32, nodeAddress20, modelUpload, aead);

    /// <summary>Opens a model envelope with the node's HPKE key; returns the serialized <c>ModelUpload</c>.</summary>
    /// <exception cref="ArgumentException">The upload id is not 32 bytes or the node address not 20.</exception>
    /// <exception cref="CryptoException">Tampered or truncated data, wrong node key, upload id, node address or AEAD.</exception>
    public static byte[] Open(X25519KeyPair nodeKey, ReadOnlySpan<byte> uploadId32, ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> ciphertext, HpkeAead aead) =>
        EnvelopeFormat.Open(Info, nodeKey, uploadId32, nodeAddress20, enc, ciphertext, aead);
}
