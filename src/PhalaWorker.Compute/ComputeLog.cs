using Microsoft.Extensions.Logging;

namespace PhalaWorker.Compute;

/// <summary>Compute log messages (event ids 4000–4099). Digests and sizes only, never tensor data.</summary>
internal static partial class ComputeLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information,
        Message = "Loaded model {ModelDigest} for backend {Backend}: {NodeCount} nodes ({FoldedNodes} folded), {ConstantBytes} constant bytes, IR {IrVersion}, opset {Opset}")]
    public static partial void ModelLoaded(ILogger logger, string modelDigest, string backend, int nodeCount, int foldedNodes, long constantBytes, long irVersion, int opset);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Refused model {ModelDigest}: {Reason} (detail withheld)")]
    public static partial void ModelRefused(ILogger logger, string modelDigest, ComputeErrorReason reason);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information,
        Message = "Ran model {ModelDigest} on {Backend}: {OutputCount} outputs, output digest {OutputDigest}, {AllocatedBytes} bytes allocated, {Reuses} buffer reuses, {ElapsedMs} ms")]
    public static partial void JobCompleted(ILogger logger, string modelDigest, string backend, int outputCount, string outputDigest, long allocatedBytes, int reuses, double elapsedMs);

    // The failure text names the model's tensors, shapes and operators (inside an encrypted job on the agent): the reason only.
    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Job on model {ModelDigest} failed: {Reason} (detail withheld)")]
    public static partial void JobFailed(ILogger logger, string modelDigest, ComputeErrorReason reason);
}
