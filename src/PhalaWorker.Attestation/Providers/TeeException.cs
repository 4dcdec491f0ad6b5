namespace PhalaWorker.Attestation.Providers;

/// <summary>A TEE (native shim or emulation) failure, with a reason.</summary>
public sealed class TeeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TeeException(TeeErrorReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Creates an exception with reason <see cref="TeeErrorReason.Unknown"/>.</summary>
    public TeeException()
        : this(TeeErrorReason.Unknown, "TEE failure.")
    {
    }

    /// <summary>Creates an exception with reason <see cref="TeeErrorReason.Unknown"/>.</summary>
    public TeeException(string message)
        : this(TeeErrorReason.Unknown, message)
    {
    }

    /// <summary>Creates an exception with reason <see cref="TeeErrorReason.Unknown"/>.</summary>
    public TeeException(string message, Exception innerException)
        : this(TeeErrorReason.Unknown, message, innerException)
    {
    }

    /// <summary>Why it failed.</summary>
    public TeeErrorReason Reason { get; }

    /// <summary>True when retrying can help (a generation race).</summary>
    public bool IsTransient => Reason == TeeErrorReason.GenerationRace;
}
