using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Agent.Registry;
using PhalaWorker.Agent.Telemetry;

namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// Stops the agent like a daemon (SIGTERM, <c>systemctl stop</c>): in <see cref="StoppingAsync"/>, which the host runs before
/// any service stops (Kestrel included), it closes intake (SubmitJob answers UNAVAILABLE <c>NODE_STOPPING</c>), lets the
/// running job finish within half of <see cref="AgentOptions.ShutdownTimeout"/>, posts every pending receipt in one final
/// batch and retires the node on chain, all within <see cref="AgentOptions.ShutdownTimeout"/>. A chain that is down only
/// costs the rest of that time and a warning: the unposted receipts stay journaled and the successor posts them. A host
/// whose start failed only closes intake (the start error, not a drain against a chain it never reached, decides the exit).
/// </summary>
internal sealed class NodeDrain(
    JobRunner runner,
    ResultPoster poster,
    RegistryGateway gateway,
    IHostApplicationLifetime lifetime,
    IOptions<AgentOptions> options,
    TimeProvider timeProvider,
    ILogger<NodeDrain> logger) : IHostedLifecycleService
{
    private int _stopping;
    private bool _started;

    /// <summary>True once the host began stopping: no new job is accepted.</summary>
    public bool IsStopping => Volatile.Read(ref _stopping) != 0 || lifetime.ApplicationStopping.IsCancellationRequested;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        if (!Volatile.Read(ref _started))
        {
            return; // the start failed (its error decides the exit code): nothing ran, nothing to post, no registration to leave
        }

        var timeout = options.Value.ShutdownTimeout;
        AgentLog.DrainStarted(logger, timeout);
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        if (!await runner.DrainAsync(timeout / 2))
        {
            AgentLog.DrainJobTimedOut(logger, timeout / 2);
        }

        var posted = 0;
        try
        {
            posted = await poster.FlushAsync(bounded.Token);
        }
        catch (Exception ex)
        {
            AgentLog.DrainChainFailed(logger, "final receipt batch", Describe(ex, timeout));
        }

        // Leave even when the last batch failed: a retired predecessor is what lets the successor post its receipts.
        var left = false;
        try
        {
            left = await gateway.LeaveAsync(bounded.Token) is not null;
        }
        catch (Exception ex)
        {
            AgentLog.DrainChainFailed(logger, "retireNode", Describe(ex, timeout));
        }

        AgentLog.DrainFinished(logger, posted, left);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _started, true);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string Describe(Exception exception, TimeSpan timeout) => exception is OperationCanceledException
        ? $"no answer within the shutdown timeout ({timeout})"
        : $"{exception.GetType().Name}: {exception.Message}";
}
