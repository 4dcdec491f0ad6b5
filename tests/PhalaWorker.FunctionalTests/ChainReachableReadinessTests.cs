extern alias agent;

using Microsoft.Extensions.DependencyInjection;
using PhalaWorker.Testing;
using IReadinessReporter = agent::PhalaWorker.Agent.Health.IReadinessReporter;
using ReadinessInput = agent::PhalaWorker.Agent.Health.ReadinessInput;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The readiness input <c>chain_reachable</c> as the heartbeat loop reports it, against anvil: true after a heartbeat
/// transaction, false with the reason once the chain is gone.
/// </summary>
[Category("Anvil")]
public sealed class ChainReachableReadinessTests
{
    [Test]
    public async Task Heartbeat_ChainUpThenDown_ReportsReachableThenUnreachableWithReasonAsync()
    {
        using var directory = new TempDirectory("chain-reachable");
        var chain = await ChainFixture.StartAsync(TaskTimeoutExtensions.DefaultTimeoutToken());
        var settings = chain.AgentSettings();
        settings["Registry:HeartbeatPeriod"] = "00:00:01";
        settings["Agent:ShutdownTimeout"] = "00:00:02";
        await using var factory = new AgentFactory(directory, settings);
        var chainDown = false;
        try
        {
            factory.CreateClient().Dispose(); // starts the host: attested and registered
            var reporter = factory.Services.GetRequiredService<IReadinessReporter>();

            var up = await WaitForAsync(reporter, d => d.Ready && d.Detail.StartsWith("heartbeat 0x", StringComparison.Ordinal)).DefaultTimeout();
            await chain.DisposeAsync();
            chainDown = true;
            var down = await WaitForAsync(reporter, d => !d.Ready).DefaultTimeout();

            Assert.That(up.Detail, Does.Match("^heartbeat 0x[0-9a-f]{64}$"));
            Assert.That(down.Detail, Does.StartWith("heartbeat failed: "));
        }
        finally
        {
            if (!chainDown)
            {
                await chain.DisposeAsync();
            }
        }
    }

    private static async Task<(bool Ready, string Detail)> WaitForAsync(IReadinessReporter reporter, Func<(bool Ready, string Detail), bool> condition)
    {
        var cancellationToken = TaskTimeoutExtensions.DefaultTimeoutToken();
        while (true)
        {
            if (reporter.TryGet(ReadinessInput.ChainReachable, out var ready, out var detail) && condition((ready, detail)))
            {
                return (ready, detail);
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
