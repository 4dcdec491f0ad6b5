using Microsoft.Extensions.Diagnostics.HealthChecks;
using PhalaWorker.Agent.Registry;
using PhalaWorker.Agent.Startup;

namespace PhalaWorker.Agent.Health;

/// <summary>Serving once the node is attested and, when a chain is configured, registered.</summary>
internal sealed class AgentHealthCheck(NodeContext node, ChainBinding chain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (node.Current is null)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("not attested yet"));
        }

        if (chain.Enabled && chain.RegisterTransaction is null)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("not registered yet"));
        }

        return Task.FromResult(HealthCheckResult.Healthy());
    }
}
