namespace PhalaWorker.Crypto.Hpke;

/// <summary>The output of a single-shot HPKE seal: the encapsulated key and the ciphertext (including the 16-byte tag).</summary>
public sealed record HpkeSealed(byte[] Enc, byte[] Ciphertext);
