using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Limits;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Chain;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// Keeps the journal bounded: every <see cref="LimitsOptions.RetentionSweepPeriod"/> (on the injected <see cref="TimeProvider"/>)
/// it deletes finished jobs older than <see cref="LimitsOptions.FinishedJobRetention"/> (<see cref="JobJournal.DeleteFinishedAsync"/>).
/// A succeeded job whose receipt is not yet in a posted batch stays, however old, when a chain is configured. A job's envelope
/// is dropped when the job finishes (<see cref="JobJournal.CompleteAsync"/>, <see cref="JobJournal.FailAsync"/>).
/// </summary>
internal sealed class JournalRetention(
    JobJournal journal,
    IOptions<LimitsOptions> limits,
    IOptions<ChainOptions> chainOptions,
    TimeProvider timeProvider,
    ILogger<JournalRetention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(limits.Value.RetentionSweepPeriod, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SweepAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // normal stop
        }
    }

    /// <summary>One sweep; returns the rows deleted (0 when the sweep failed: it is retried next period).</summary>
    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var retention = limits.Value.FinishedJobRetention;
        try
        {
            var deleted = await journal.DeleteFinishedAsync(timeProvider.GetUtcNow() - retention, chainOptions.Value.Enabled, cancellationToken);
            if (deleted > 0)
            {
                AgentLog.RetentionSwept(logger, deleted, retention);
            }

            return deleted;
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            AgentLog.RetentionFailed(logger, ex.Message);
            return 0;
        }
    }
}
