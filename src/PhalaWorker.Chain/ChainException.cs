namespace PhalaWorker.Chain;

/// <summary>The domain exception of PhalaWorker.Chain: a failure with a <see cref="ChainErrorReason"/>.</summary>
public class ChainException : Exception
{
    public ChainException()
        : this(ChainErrorReason.Unknown, "Chain operation failed.")
    {
    }

    public ChainException(string message)
        : this(ChainErrorReason.Unknown, message)
    {
    }

    public ChainException(string message, Exception innerException)
        : this(ChainErrorReason.Unknown, message, innerException)
    {
    }

    public ChainException(ChainErrorReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>What went wrong.</summary>
    public ChainErrorReason Reason { get; }

    /// <summary>Whether retrying the same operation later can succeed.</summary>
    public virtual bool IsTransient => false;
}
