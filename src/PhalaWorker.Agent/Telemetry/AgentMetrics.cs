using System.Diagnostics.Metrics;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Attestation.Dcap;

namespace PhalaWorker.Agent.Telemetry;

/// <summary>
/// The agent's observed gauges, read from live state at each collection: queue depth, whether the node is attested and
/// how long its stapled collateral stays valid. Created through <see cref="IMeterFactory"/> (so a host's gauges go away
/// with its container) under the same meter name as <see cref="AgentTelemetry"/>.
/// </summary>
internal sealed class AgentMetrics
{
    private readonly TimeProvider _timeProvider;
    private readonly NodeContext _node;
    private string? _collateralSeen;
    private DateTimeOffset? _collateralExpiry;

    public AgentMetrics(IMeterFactory meterFactory, JobQueue queue, NodeContext node, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _node = node;
        _timeProvider = timeProvider;
        var meter = meterFactory.Create(AgentTelemetry.Name);
        meter.CreateObservableGauge("phala_worker.jobs.queued", () => queue.Reader.Count, "{job}", "Jobs waiting to run");
        meter.CreateObservableGauge("phala_worker.attestation.attested", () => node.Current is null ? 0 : 1, unit: null, "1 once the node holds a quote");
        meter.CreateObservableGauge("phala_worker.attestation.collateral.expiry", ObserveCollateralExpiry, "s",
            "Seconds until the stapled collateral's earliest nextUpdate (negative: expired)");
    }

    private IEnumerable<Measurement<double>> ObserveCollateralExpiry()
    {
        var collateral = _node.Current?.Bundle.Collateral;
        if (string.IsNullOrEmpty(collateral))
        {
            yield break;
        }

        if (!ReferenceEquals(collateral, _collateralSeen))
        {
            _collateralSeen = collateral;
            try
            {
                _collateralExpiry = PcsCollateralFetcher.GetNextUpdate(QuoteCollateral.FromJson(collateral));
            }
            catch (Attestation.AttestationException)
            {
                _collateralExpiry = null;
            }
        }

        if (_collateralExpiry is { } expiry)
        {
            yield return new Measurement<double>((expiry - _timeProvider.GetUtcNow()).TotalSeconds);
        }
    }
}
