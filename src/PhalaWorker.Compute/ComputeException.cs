namespace PhalaWorker.Compute;

/// <summary>The compute library's domain exception; <see cref="Reason"/> says what went wrong and the message names the op, limit or input.</summary>
public sealed class ComputeException : Exception
{
    public ComputeException(ComputeErrorReason reason, string message, Exception? innerException = null)
        : base(message, innerException) => Reason = reason;

    public ComputeErrorReason Reason { get; }
}
