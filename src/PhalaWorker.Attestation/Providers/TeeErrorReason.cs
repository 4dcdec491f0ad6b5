namespace PhalaWorker.Attestation.Providers;

/// <summary>Why a TEE operation failed. Values 1–6 match the native shim's <c>phala_tee_status</c> codes (negated there).</summary>
public enum TeeErrorReason
{
    /// <summary>Unclassified failure.</summary>
    Unknown = 0,

    /// <summary>No TEE provider: configfs-tsm report directory or /dev/tdx_guest missing, or the provider is not TDX.</summary>
    NoProvider = 1,

    /// <summary>The configfs-tsm generation changed by more than our own write: another writer raced us; the outblob is not ours.</summary>
    GenerationRace = 2,

    /// <summary>The quote (outblob) was empty or shorter than a quote header.</summary>
    ShortOutput = 3,

    /// <summary>An I/O call (open, read, write, ioctl, mkdir) failed.</summary>
    IoError = 4,

    /// <summary>The caller's buffer is too small for the result.</summary>
    BufferTooSmall = 5,

    /// <summary>An argument was invalid (wrong report_data length, bad RTMR index).</summary>
    InvalidArgument = 6,

    /// <summary>The native shim library could not be loaded.</summary>
    ShimUnavailable = 100,

    /// <summary>The configured TEE mode is unavailable and emulation was not asked for.</summary>
    NotAvailable = 101,

    /// <summary>The operation is not supported on this path (e.g. a quote from /dev/tdx_guest without a quote generation service).</summary>
    NotSupported = 102,
}
