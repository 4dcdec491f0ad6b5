using Microsoft.Extensions.Logging;

namespace PhalaWorker.Attestation;

/// <summary>Log messages of the NVML GPU evidence provider (event ids 1400–1419).</summary>
internal static partial class AttestationLog
{
    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "NVML {Path}: driver {DriverVersion}, {GpuCount} GPU(s), CC API {HasCcApi}")]
    public static partial void NvmlLoaded(ILogger logger, string path, string driverVersion, int gpuCount, bool hasCcApi);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "NVIDIA GPUs are not usable for confidential computing: {Reason}")]
    public static partial void GpuNotUsable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "NVIDIA GPU evidence collected for {GpuCount} GPU(s): {Length} bytes, SHA-256 {Digest}")]
    public static partial void GpuEvidenceCollected(ILogger logger, int gpuCount, int length, string digest);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "NVIDIA GPUs ready state set to accepting work")]
    public static partial void GpusReadySet(ILogger logger);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Error, Message = "NVML failed ({Reason}): {Message}")]
    public static partial void NvmlFailed(ILogger logger, string reason, string message);
}
