using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PhalaWorker.Compute;

/// <summary>The compute library's ActivitySource and Meter (both named "PhalaWorker.Compute"); exporters are configured by the Agent.</summary>
internal static class ComputeTelemetry
{
    public const string Name = "PhalaWorker.Compute";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Job execution time in seconds, tagged with the backend and outcome.</summary>
    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("phala_worker.compute.run.duration", "s", "Time to run one model");

    /// <summary>Jobs whose model was already loaded.</summary>
    public static readonly Counter<long> ModelCacheHits = Meter.CreateCounter<long>("phala_worker.compute.model_cache.hits", "{job}", "Jobs whose model was already loaded");

    /// <summary>Models refused at load, tagged with the reason.</summary>
    public static readonly Counter<long> ModelsRefused = Meter.CreateCounter<long>("phala_worker.compute.models.refused", "{model}", "Models refused at load");
}
