using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PhalaWorker.Agent.Telemetry;

/// <summary>
/// The agent's one <see cref="ActivitySource"/> and <see cref="Meter"/> (CONVENTIONS.md 18). Instrument names follow the
/// OpenTelemetry semantic conventions under the <c>phala_worker.</c> prefix: durations in seconds (unit <c>s</c>),
/// counts with a <c>{thing}</c> unit. Prometheus names (deploy/README.md) replace dots with underscores and add the unit
/// (<c>_seconds</c>) and, for counters, <c>_total</c>.
/// </summary>
internal static class AgentTelemetry
{
    public const string Name = "PhalaWorker.Agent";

    public static readonly ActivitySource ActivitySource = new(Name, typeof(AgentTelemetry).Assembly.GetName().Version?.ToString());

    public static readonly Meter Meter = new(Name, typeof(AgentTelemetry).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> JobsAccepted = Meter.CreateCounter<long>("phala_worker.jobs.accepted", "{job}", "Jobs accepted by SubmitJob");

    public static readonly Counter<long> JobsFinished = Meter.CreateCounter<long>("phala_worker.jobs.finished", "{job}", "Jobs finished, tagged by state");

    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("phala_worker.job.duration", "s", "Time to run one job (open, compute, seal, sign)");

    public static readonly Counter<long> BatchesPosted = Meter.CreateCounter<long>("phala_worker.batches.posted", "{batch}", "Receipt batches posted on chain");

    public static readonly UpDownCounter<long> ReceiptsPending = Meter.CreateUpDownCounter<long>("phala_worker.receipts.pending", "{receipt}", "Receipts waiting for a batch");

    public static readonly Histogram<double> BatchLag = Meter.CreateHistogram<double>("phala_worker.batch.lag", "s", "Age of a batch's oldest receipt when the batch was posted");

    public static readonly Counter<long> RpcRefusals = Meter.CreateCounter<long>("phala_worker.grpc.refused", "{call}", "gRPC calls refused, tagged by status code");
}
