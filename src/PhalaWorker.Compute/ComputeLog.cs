using Microsoft.Extensions.Logging;

namespace PhalaWorker.Compute;

/// <summary>
/// Compute log messages (event ids 4000–4099). A model or its outputs are named only by a <see cref="ComputeEngine.LogPseudonym"/>
/// (keyed with a per-process secret, so a host reading the log can correlate lines but cannot confirm a guessed model or output),
/// and nothing about the model's structure (node counts, constant sizes, opset) or its tensors is logged: on the agent the model
/// comes from inside an encrypted job.
/// </summary>
internal static partial class ComputeLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Loaded model {ModelDigest} for backend {Backend}")]
    public static partial void ModelLoaded(ILogger logger, string modelDigest, string backend);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Refused model {ModelDigest}: {Reason} (detail withheld)")]
    public static partial void ModelRefused(ILogger logger, string modelDigest, ComputeErrorReason reason);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Ran model {ModelDigest} on {Backend}: output digest {OutputDigest}, {ElapsedMs} ms")]
    public static partial void JobCompleted(ILogger logger, string modelDigest, string backend, string outputDigest, double elapsedMs);

    // The failure text names the model's tensors, shapes and operators (inside an encrypted job on the agent): the reason only.
    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Job on model {ModelDigest} failed: {Reason} (detail withheld)")]
    public static partial void JobFailed(ILogger logger, string modelDigest, ComputeErrorReason reason);
}
