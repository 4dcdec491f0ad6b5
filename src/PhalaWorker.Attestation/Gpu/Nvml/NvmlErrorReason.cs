namespace PhalaWorker.Attestation.Gpu.Nvml;

/// <summary>Why an NVML operation failed.</summary>
public enum NvmlErrorReason
{
    /// <summary>Unclassified failure.</summary>
    Unknown = 0,

    /// <summary>The NVML library could not be loaded (no NVIDIA driver, or the given path is not a library).</summary>
    LibraryNotFound,

    /// <summary>The library lacks a basic NVML export (it is not NVML).</summary>
    LibraryInvalid,

    /// <summary>The library has no confidential-computing API (an NVML older than r535: driver too old).</summary>
    ConfidentialComputeApiMissing,

    /// <summary>An NVML call returned an error; <see cref="NvmlException.ReturnCode"/> and <see cref="NvmlException.ErrorName"/> say which.</summary>
    CallFailed,

    /// <summary>An NVML call did not return within the deadline; NVML is then treated as hung.</summary>
    Timeout,

    /// <summary>NVML returned a size or value outside the documented bounds.</summary>
    InvalidResult,

    /// <summary>NVML answers but no GPU is usable for confidential computing (CC off, DevTools on, no GPU, …).</summary>
    NotUsable,
}
