namespace PhalaWorker.Crypto;

/// <summary>Why a cryptographic operation on untrusted input failed.</summary>
public enum CryptoErrorReason
{
    /// <summary>The AEAD tag did not verify: wrong key, wrong AAD (job id, node address), wrong suite or tampered data.</summary>
    DecryptionFailed = 1,

    /// <summary>The ciphertext is shorter than the AEAD tag.</summary>
    CiphertextTooShort,

    /// <summary>The encapsulated key (<c>enc</c>) has the wrong length or is a small-order point.</summary>
    InvalidEncapsulatedKey,

    /// <summary>A public key has the wrong length or is a small-order point.</summary>
    InvalidPublicKey,

    /// <summary>A private key has the wrong length or is not a valid scalar.</summary>
    InvalidPrivateKey,

    /// <summary>The AEAD identifier is not one of <see cref="Hpke.HpkeAead"/>.</summary>
    UnsupportedAead,

    /// <summary>The PSK and PSK id do not match the HPKE mode (RFC 9180 §5.1, VerifyPSKInputs).</summary>
    InvalidPskInputs,

    /// <summary>The context's sequence number would overflow (RFC 9180 §5.2).</summary>
    MessageLimitReached,

    /// <summary>The requested exporter length exceeds 255 * Nh (RFC 9180 §5.3).</summary>
    ExportLengthTooLarge,
}
