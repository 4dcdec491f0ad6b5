using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Providers;

namespace PhalaWorker.Agent.Startup;

/// <summary>
/// Renews the collateral the node staples to its attestation every <see cref="AttestationOptions.CollateralRefreshPeriod"/>:
/// the emulated TEE re-issues its own, a hardware node refetches from its PCCS / PCS (which refetches what is older than
/// <see cref="CollateralFetcherOptions.MaxAge"/>). Clients reject stapled collateral older than a day by default, since the
/// host could otherwise keep serving a still-signed copy from before a TCB recovery. A failed renewal keeps the previous
/// collateral (clients then reject it once it is too old, or bring their own) and is retried next period.
/// </summary>
internal sealed class CollateralRefresher(
    NodeContext node,
    IOptions<AttestationOptions> options,
    IServiceProvider services,
    TimeProvider timeProvider,
    ILogger<CollateralRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CollateralRefreshPeriod, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RenewAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One renewal (the timer's tick; tests call it directly).</summary>
    internal async Task RenewAsync(CancellationToken cancellationToken)
    {
        if (node.Current is not { } attestation)
        {
            return;
        }

        try
        {
            var selection = services.GetRequiredService<TeeSelection>();
            QuoteCollateral collateral;
            if (selection.EmulatedTee is { } tee)
            {
                collateral = QuoteCollateral.FromJson(tee.CreateCollateral(timeProvider.GetUtcNow(), options.Value.EmulatedCollateralValidity).Json);
            }
            else
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                collateral = await services.GetRequiredService<PcsCollateralFetcher>().GetCollateralAsync(attestation.Quote, timeout.Token);
            }

            attestation.StapledCollateral = collateral.ToJson();
            AgentLog.CollateralRenewed(logger, PcsCollateralFetcher.GetOldestIssue(collateral)?.ToString("O") ?? "unknown");
        }
        catch (Exception ex) when (ex is HttpRequestException or AttestationException or FormatException or ArgumentException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            AgentLog.CollateralRenewFailed(logger, ex.Message);
        }
    }
}
