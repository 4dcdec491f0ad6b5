namespace PhalaWorker.Crypto.Hpke;

/// <summary>HPKE AEAD identifiers (RFC 9180 §7.3). ChaCha20-Poly1305 is the PhalaWorker default.</summary>
public enum HpkeAead : ushort
{
    /// <summary>AES-128-GCM (0x0001).</summary>
    Aes128Gcm = 1,

    /// <summary>AES-256-GCM (0x0002).</summary>
    Aes256Gcm = 2,

    /// <summary>ChaCha20-Poly1305 (0x0003).</summary>
    ChaCha20Poly1305 = 3,
}
