using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PhalaWorker.Agent.Telemetry;

/// <summary>The agent's one <see cref="ActivitySource"/> and <see cref="Meter"/> (CONVENTIONS.md 18).</summary>
internal static class AgentTelemetry
{
    public const string Name = "PhalaWorker.Agent";

    public static readonly ActivitySource ActivitySource = new(Name, typeof(AgentTelemetry).Assembly.GetName().Version?.ToString());

    public static readonly Meter Meter = new(Name, typeof(AgentTelemetry).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> JobsAccepted = Meter.CreateCounter<long>("phala_worker.jobs.accepted", description: "Jobs accepted by SubmitJob");

    public static readonly Counter<long> JobsFinished = Meter.CreateCounter<long>("phala_worker.jobs.finished", description: "Jobs finished, tagged by state");

    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("phala_worker.job.duration", unit: "ms", description: "Time to run one job (open, compute, seal, sign)");

    public static readonly Counter<long> BatchesPosted = Meter.CreateCounter<long>("phala_worker.batches.posted", description: "Receipt batches posted on chain");

    public static readonly Counter<long> RpcRefusals = Meter.CreateCounter<long>("phala_worker.rpc.refused", description: "gRPC calls refused, tagged by status code");
}
