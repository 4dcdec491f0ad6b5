using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Registry;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Attestation;
using PhalaWorker.Chain;

namespace PhalaWorker.Agent.Health;

/// <summary>
/// One readiness input as a health check. A reported value wins; otherwise: attested = the node holds a quote;
/// registered = no chain, or the registration transaction is known; chain reachable = no chain, or registered (the
/// registration reached it); GPU gate = no GPU evidence configured, or attested (the evidence is bound at attestation).
/// </summary>
internal sealed class ReadinessHealthCheck(
    ReadinessInput input,
    IReadinessReporter reporter,
    NodeContext node,
    ChainBinding chain,
    IOptions<ChainOptions> chainOptions,
    IOptions<AttestationOptions> attestation) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (reporter.TryGet(input, out var ready, out var detail))
        {
            return Task.FromResult(ready ? HealthCheckResult.Healthy(detail) : HealthCheckResult.Unhealthy(detail));
        }

        var chainConfigured = chainOptions.Value.Enabled;
        var result = input switch
        {
            ReadinessInput.Attested => node.Current is null ? HealthCheckResult.Unhealthy("not attested yet") : HealthCheckResult.Healthy($"attested with {node.Current.ProviderName}"),
            ReadinessInput.Registered when !chainConfigured => HealthCheckResult.Healthy("no chain configured"),
            ReadinessInput.Registered => chain.RegisterTransaction is { } tx ? HealthCheckResult.Healthy($"registered by {tx}") : HealthCheckResult.Unhealthy("not registered yet"),
            ReadinessInput.ChainReachable when !chainConfigured => HealthCheckResult.Healthy("no chain configured"),
            ReadinessInput.ChainReachable => chain.RegisterTransaction is null ? HealthCheckResult.Unhealthy("chain not reached yet") : HealthCheckResult.Healthy("registration reached the chain"),
            ReadinessInput.GpuGate when attestation.Value.GpuEvidence == "none" => HealthCheckResult.Healthy("no GPU evidence configured"),
            ReadinessInput.GpuGate => node.Current is null ? HealthCheckResult.Unhealthy("GPU evidence not bound yet") : HealthCheckResult.Healthy("GPU evidence bound at attestation"),
            _ => HealthCheckResult.Unhealthy("unknown input"),
        };
        return Task.FromResult(result);
    }
}
