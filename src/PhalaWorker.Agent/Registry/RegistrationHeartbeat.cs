using System.Globalization;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Health;
using PhalaWorker.Agent.Hosting;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Chain;
using PhalaWorker.Chain.Primitives;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace PhalaWorker.Agent.Registry;

/// <summary>
/// Registers the node in the NodeRegistry, then sends a heartbeat every <see cref="RegistryOptions.HeartbeatPeriod"/> on a
/// <see cref="PeriodicTimer"/> driven by the injected <see cref="TimeProvider"/>. Registration runs in the background, not in
/// <see cref="StartAsync"/>: a chain that is down at start must not keep the gRPC and health ports closed (a supervisor would
/// see a dead process and restart it in a loop). It is retried for as long as the agent runs, each attempt bounded by
/// <see cref="RegistryOptions.AttemptTimeout"/>, with capped exponential backoff and jitter (<see cref="RegistryOptions.RetryInitialDelay"/>
/// doubling up to <see cref="RegistryOptions.RetryMaxDelay"/>); meanwhile readiness says why (<c>chain unreachable: …, retrying in 8s</c>)
/// and SubmitJob answers UNAVAILABLE <c>NOT_REGISTERED</c>. Only a failure that no retry can fix (the RPC serves another chain than
/// <c>Chain:ChainId</c>, the registry refuses the node) stops the agent, with exit code 4. Without a configured chain it only settles
/// the chain id and registry address receipts carry. Reports <see cref="ReadinessInput.ChainReachable"/>: false with the reason
/// while registration or heartbeat calls fail, true after each success.
/// </summary>
internal sealed class RegistrationHeartbeat(
    NodeContext node,
    ChainBinding chain,
    IRegistrationChain gateway,
    IReadinessReporter readiness,
    AgentFault fault,
    IOptions<AgentOptions> agentOptions,
    IOptions<RegistryOptions> registryOptions,
    IOptions<ChainOptions> chainOptions,
    TimeProvider timeProvider,
    ILogger<RegistrationHeartbeat> logger) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var options = chainOptions.Value;
        chain.Registry = string.IsNullOrWhiteSpace(options.RegistryAddress) ? EthAddress.Zero : EthAddress.Parse(options.RegistryAddress);
        if (!options.Enabled)
        {
            chain.ChainId = options.ChainId;
            chain.Settle(null);
            AgentLog.ChainDisabled(logger);
            return Task.CompletedTask;
        }

        chain.Enabled = true;
        readiness.Report(ReadinessInput.ChainReachable, false, "registering with the chain");
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (await RegisterAsync(stoppingToken))
            {
                await HeartbeatLoopAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // normal stop (also while registration is still being retried)
        }
    }

    /// <summary>True once registered; false after a failure no retry can fix (recorded in <see cref="AgentFault"/>, which stops the host).</summary>
    private async Task<bool> RegisterAsync(CancellationToken stoppingToken)
    {
        var options = registryOptions.Value;
        var attestation = node.Required;
        var endpoint = string.IsNullOrWhiteSpace(agentOptions.Value.PublicEndpoint) ? agentOptions.Value.Listen : agentOptions.Value.PublicEndpoint;
        var pipeline = CreateRetryPipeline(options, attestation.Address.ToString(), stoppingToken);
        try
        {
            var (chainId, transaction) = await pipeline.ExecuteAsync(
                async attempt =>
                {
                    var id = await gateway.GetChainIdAsync(attempt);
                    return (id, await gateway.RegisterAsync(attestation, endpoint, attempt));
                },
                stoppingToken);
            chain.ChainId = chainId;
            readiness.Report(ReadinessInput.ChainReachable, true, "registration reached the chain");
            chain.Settle(transaction);
            AgentLog.Registered(logger, attestation.Address.ToString(), chain.Registry.ToString(), chainId, transaction.ToString());
            return true;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // Not transient: retrying cannot help, and a node that can never register must not look alive.
            AgentLog.RegistrationFailed(logger, attestation.Address.ToString(), ex);
            readiness.Report(ReadinessInput.ChainReachable, false, "registration refused: " + Describe(ex));
            fault.Fail(new AgentStartupException(AgentExitCode.Chain,
                $"registration failed: {Describe(ex)}, check Chain:RpcUrl, Chain:RegistryAddress, Chain:ChainId and the operator account", ex));
            return false;
        }
    }

    /// <summary>
    /// Polly's retry (exponential backoff with jitter, capped, unbounded attempts) around a per-attempt timeout, on the injected
    /// <see cref="TimeProvider"/>. Each retry reports readiness and logs one warning with the reason and the wait.
    /// </summary>
    private ResiliencePipeline CreateRetryPipeline(RegistryOptions options, string nodeAddress, CancellationToken stoppingToken) =>
        new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => IsTransient(ex, stoppingToken)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryInitialDelay,
                MaxDelay = options.RetryMaxDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    var reason = Describe(args.Outcome.Exception!);
                    var wait = FormatDelay(args.RetryDelay);
                    readiness.Report(ReadinessInput.ChainReachable, false, $"chain unreachable: {reason}, retrying in {wait}");
                    AgentLog.RegistrationRetrying(logger, nodeAddress, reason, wait, args.AttemptNumber + 1);
                    return default;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();

    private async Task HeartbeatLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(registryOptions.Value.HeartbeatPeriod, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var transaction = await gateway.HeartbeatAsync(node.Required, stoppingToken);
                AgentLog.Heartbeat(logger, transaction.ToString());
                readiness.Report(ReadinessInput.ChainReachable, true, $"heartbeat {transaction}");
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                AgentLog.HeartbeatFailed(logger, ex);
                readiness.Report(ReadinessInput.ChainReachable, false, "heartbeat failed: " + Describe(ex));
            }
        }
    }

    /// <summary>"8s", "1.5s", "250ms": the wait as readiness and the log show it.</summary>
    internal static string FormatDelay(TimeSpan delay) => delay < TimeSpan.FromSeconds(1)
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Round(delay.TotalMilliseconds):0}ms")
        : string.Create(CultureInfo.InvariantCulture, $"{delay.TotalSeconds:0.#}s");

    private static string Describe(Exception exception) => $"{exception.GetType().Name}: {exception.Message}";

    /// <summary>
    /// What a later attempt can fix: an unreachable or failing RPC endpoint (HTTP errors, transient JSON-RPC errors), an
    /// attempt that ran past its timeout, an HTTP client timeout. A wrong chain id, a bad key or a registry revert is not.
    /// </summary>
    internal static bool IsTransient(Exception exception, CancellationToken stoppingToken) => exception switch
    {
        ChainException chainError => chainError.IsTransient,
        HttpRequestException or TimeoutRejectedException or IOException => true,
        OperationCanceledException => !stoppingToken.IsCancellationRequested,
        _ => false,
    };
}
