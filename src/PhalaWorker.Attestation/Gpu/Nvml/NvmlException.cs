using PhalaWorker.Attestation.Native;

namespace PhalaWorker.Attestation.Gpu.Nvml;

/// <summary>
/// An NVML operation failed. An <see cref="AttestationException"/> whose <see cref="AttestationException.Reason"/> is
/// <see cref="AttestationErrorReason.ProviderUnavailable"/> (no library, no CC API, not usable) or
/// <see cref="AttestationErrorReason.ProviderFailed"/>, with the precise <see cref="NvmlReason"/> and, for a failed call,
/// the NVML return code and its nvml.h name.
/// </summary>
public sealed class NvmlException : AttestationException
{
    /// <summary>Creates the exception.</summary>
    public NvmlException(NvmlErrorReason reason, string message, Exception? innerException = null)
        : base(ToReason(reason), message, innerException)
    {
        NvmlReason = reason;
    }

    /// <summary>Creates an exception with reason <see cref="NvmlErrorReason.Unknown"/>.</summary>
    public NvmlException()
        : this(NvmlErrorReason.Unknown, "NVML failure.")
    {
    }

    /// <summary>Creates an exception with reason <see cref="NvmlErrorReason.Unknown"/>.</summary>
    public NvmlException(string message)
        : this(NvmlErrorReason.Unknown, message)
    {
    }

    /// <summary>Creates an exception with reason <see cref="NvmlErrorReason.Unknown"/>.</summary>
    public NvmlException(string message, Exception innerException)
        : this(NvmlErrorReason.Unknown, message, innerException)
    {
    }

    /// <summary>Why NVML failed.</summary>
    public NvmlErrorReason NvmlReason { get; }

    /// <summary>The nvmlReturn_t of a failed call (<see cref="NvmlErrorReason.CallFailed"/>), else 0.</summary>
    public int ReturnCode { get; private init; }

    /// <summary>The nvml.h name of <see cref="ReturnCode"/> (<c>NVML_ERROR_NOT_SUPPORTED</c>, …), else null.</summary>
    public string? ErrorName { get; private init; }

    internal static NvmlException CallFailed(string operation, int code, string? description) => new(
        NvmlErrorReason.CallFailed,
        description is { Length: > 0 }
            ? $"{operation} failed: {NvmlNative.ErrorName(code)} ({description})"
            : $"{operation} failed: {NvmlNative.ErrorName(code)}")
    {
        ReturnCode = code,
        ErrorName = NvmlNative.ErrorName(code),
    };

    private static AttestationErrorReason ToReason(NvmlErrorReason reason) => reason switch
    {
        NvmlErrorReason.LibraryNotFound or NvmlErrorReason.LibraryInvalid or NvmlErrorReason.ConfidentialComputeApiMissing
            or NvmlErrorReason.NotUsable => AttestationErrorReason.ProviderUnavailable,
        _ => AttestationErrorReason.ProviderFailed,
    };
}
