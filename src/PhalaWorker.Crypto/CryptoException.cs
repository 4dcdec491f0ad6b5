namespace PhalaWorker.Crypto;

/// <summary>
/// A cryptographic operation failed on its input (tampered envelope, wrong key, bad suite).
/// Misuse (wrong argument lengths for ids we control) throws the CLR argument exceptions instead.
/// </summary>
public sealed class CryptoException : Exception
{
    public CryptoException()
        : this(CryptoErrorReason.DecryptionFailed, "Cryptographic operation failed.")
    {
    }

    public CryptoException(string message)
        : this(CryptoErrorReason.DecryptionFailed, message)
    {
    }

    public CryptoException(string message, Exception innerException)
        : this(CryptoErrorReason.DecryptionFailed, message, innerException)
    {
    }

    public CryptoException(CryptoErrorReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Why the operation failed.</summary>
    public CryptoErrorReason Reason { get; }
}
