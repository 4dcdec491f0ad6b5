using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PhalaWorker.Agent.Health;

/// <summary>
/// Live while the host answers at all: a supervisor restarts a process whose liveness fails, so nothing that a restart
/// cannot fix (a chain outage, a pending registration) belongs here. The systemd watchdog pets only while this passes.
/// </summary>
internal sealed class LivenessHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("stopping")
            : HealthCheckResult.Healthy("running"));
}
