namespace PhalaWorker.Attestation.Providers;

/// <summary>
/// A quote provider (native shim, device, emulation) failed. An <see cref="AttestationException"/> whose
/// <see cref="AttestationException.Reason"/> is <see cref="AttestationErrorReason.ProviderUnavailable"/> or
/// <see cref="AttestationErrorReason.ProviderFailed"/>, with the precise <see cref="TeeReason"/>.
/// </summary>
public sealed class TeeProviderException : AttestationException
{
    /// <summary>Creates the exception.</summary>
    public TeeProviderException(TeeErrorReason teeReason, string message, Exception? innerException = null)
        : base(ToReason(teeReason), message, innerException)
    {
        TeeReason = teeReason;
        IsTransient = teeReason == TeeErrorReason.GenerationRace;
    }

    /// <summary>Creates an exception with reason <see cref="TeeErrorReason.Unknown"/>.</summary>
    public TeeProviderException()
        : this(TeeErrorReason.Unknown, "TEE provider failure.")
    {
    }

    /// <summary>Creates an exception with reason <see cref="TeeErrorReason.Unknown"/>.</summary>
    public TeeProviderException(string message)
        : this(TeeErrorReason.Unknown, message)
    {
    }

    /// <summary>Creates an exception with reason <see cref="TeeErrorReason.Unknown"/>.</summary>
    public TeeProviderException(string message, Exception innerException)
        : this(TeeErrorReason.Unknown, message, innerException)
    {
    }

    /// <summary>Why the TEE failed.</summary>
    public TeeErrorReason TeeReason { get; }

    private static AttestationErrorReason ToReason(TeeErrorReason reason) => reason switch
    {
        TeeErrorReason.NoProvider or TeeErrorReason.ShimUnavailable or TeeErrorReason.NotAvailable => AttestationErrorReason.ProviderUnavailable,
        _ => AttestationErrorReason.ProviderFailed,
    };
}
