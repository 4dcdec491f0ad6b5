using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PhalaWorker.Compute;

/// <summary>The compute library's ActivitySource and Meter (both named "PhalaWorker.Compute"); exporters are configured by the Agent.</summary>
internal static class ComputeTelemetry
{
    public const string Name = "PhalaWorker.Compute";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Job execution time in milliseconds, tagged with the backend and outcome.</summary>
    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("phala.compute.job.duration", "ms", "Time to run one job");

    /// <summary>Models refused at load, tagged with the reason.</summary>
    public static readonly Counter<long> ModelCacheHits = Meter.CreateCounter<long>("phala.compute.model_cache.hits", description: "Jobs whose model was already loaded");

    public static readonly Counter<long> ModelsRefused = Meter.CreateCounter<long>("phala.compute.models.refused", description: "Models refused at load");
}
