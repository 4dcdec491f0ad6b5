using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting.Systemd;
using PhalaWorker.Agent.Health;

namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// Pets systemd's watchdog (<c>WatchdogSec=</c> in the unit) at half its period while the liveness checks pass, so a
/// hung agent is restarted. <c>UseSystemd()</c> sends only READY=1 and STOPPING=1; WATCHDOG=1 is ours. Does nothing
/// when not started by systemd with a watchdog (no <c>WATCHDOG_USEC</c> for this process).
/// </summary>
internal sealed class SystemdWatchdog(ISystemdNotifier notifier, HealthCheckService health, TimeProvider timeProvider) : BackgroundService
{
    public static readonly ServiceState Watchdog = new("WATCHDOG=1");

    /// <summary>Half the watchdog period systemd asks for, or null when there is no watchdog for this process.</summary>
    public static TimeSpan? PingPeriod(string? watchdogUsec, string? watchdogPid, int processId)
    {
        if (!long.TryParse(watchdogUsec, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(watchdogPid) && watchdogPid != processId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return TimeSpan.FromTicks(Math.Max(usec * 10 / 2, TimeSpan.TicksPerMillisecond * 100));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = PingPeriod(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId);
        if (!notifier.IsEnabled || period is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(period.Value, timeProvider);
        try
        {
            do
            {
                var report = await health.CheckHealthAsync(r => r.Tags.Contains(AgentHealthTags.Live), stoppingToken);
                if (report.Status == HealthStatus.Healthy)
                {
                    notifier.Notify(Watchdog);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // normal stop
        }
    }
}
