using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Health;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Agent.Registry;

/// <summary>
/// Registers the node in the NodeRegistry before the agent serves (in <see cref="StartAsync"/>, retried up to
/// <see cref="RegistryOptions.RegistrationTimeout"/>), then sends a heartbeat every <see cref="AgentOptions.HeartbeatPeriod"/>
/// on a <see cref="PeriodicTimer"/> driven by the injected <see cref="TimeProvider"/>. Without a configured chain it only settles
/// the chain id and registry address receipts carry. Reports <see cref="ReadinessInput.ChainReachable"/>: false with the
/// reason while registration or heartbeat calls fail, true after each success.
/// </summary>
internal sealed class RegistrationHeartbeat(
    NodeContext node,
    ChainBinding chain,
    RegistryGateway gateway,
    IReadinessReporter readiness,
    IOptions<AgentOptions> agentOptions,
    IOptions<RegistryOptions> registryOptions,
    TimeProvider timeProvider,
    ILogger<RegistrationHeartbeat> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = registryOptions.Value;
        chain.Registry = string.IsNullOrWhiteSpace(options.Address) ? EthAddress.Zero : EthAddress.Parse(options.Address);
        if (!options.Enabled)
        {
            chain.ChainId = options.ChainId;
            AgentLog.ChainDisabled(logger);
            return;
        }

        chain.Enabled = true;
        var attestation = node.Required;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RegistrationTimeout);
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                chain.ChainId = await gateway.GetChainIdAsync(timeout.Token);
                var endpoint = string.IsNullOrWhiteSpace(agentOptions.Value.PublicEndpoint) ? agentOptions.Value.Listen : agentOptions.Value.PublicEndpoint;
                var transaction = await gateway.RegisterAsync(attestation, endpoint, timeout.Token);
                chain.RegisterTransaction = transaction;
                AgentLog.Registered(logger, attestation.Address.ToString(), chain.Registry.ToString(), chain.ChainId, transaction.ToString());
                readiness.Report(ReadinessInput.ChainReachable, true, "registration reached the chain");
                break;
            }
            catch (Exception ex) when (!timeout.IsCancellationRequested && IsTransient(ex))
            {
                readiness.Report(ReadinessInput.ChainReachable, false, "registration failed: " + Describe(ex));
                await Task.Delay(delay, timeProvider, timeout.Token);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                AgentLog.RegistrationFailed(logger, attestation.Address.ToString(), ex);
                throw;
            }
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(agentOptions.Value.HeartbeatPeriod, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var transaction = await gateway.HeartbeatAsync(node.Required, stoppingToken);
                    AgentLog.Heartbeat(logger, transaction.ToString());
                    readiness.Report(ReadinessInput.ChainReachable, true, $"heartbeat {transaction}");
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    AgentLog.HeartbeatFailed(logger, ex);
                    readiness.Report(ReadinessInput.ChainReachable, false, "heartbeat failed: " + Describe(ex));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // normal stop
        }
    }

    private static string Describe(Exception exception) => $"{exception.GetType().Name}: {exception.Message}";

    private static bool IsTransient(Exception exception) =>
        exception is Chain.JsonRpc.JsonRpcException { IsTransient: true } or HttpRequestException;
}
