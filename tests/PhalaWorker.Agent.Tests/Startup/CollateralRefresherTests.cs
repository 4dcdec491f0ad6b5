using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Startup;

/// <summary>The stapled collateral is renewed every period, so it stays younger than the day clients accept.</summary>
public sealed class CollateralRefresherTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Tick_EmulatedNode_StaplesCollateralIssuedNowAsync()
    {
        using var directory = new TempDirectory("collateral-refresh");
        var clock = new FakeTimeProvider(Start);
        await using var factory = Factory(directory, clock);
        factory.CreateClient().Dispose();
        var node = factory.Services.GetRequiredService<NodeContext>().Required;
        var atStart = node.StapledCollateral;
        Assert.That(Issued(atStart), Is.EqualTo(Start));

        clock.Advance(TimeSpan.FromHours(30));
        var renewed = await WaitForChangeAsync(node, atStart);

        Assert.That(Issued(renewed), Is.EqualTo(Start.AddHours(30)), "the tick after 30 h re-issues the emulated collateral at the current time (clients refuse stapled collateral over a day old)");
        LogAssert.VerifyNoErrors(factory.Services.GetRequiredService<FakeLogCollector>());
    }

    [Test]
    public async Task Renew_BeforeAttestation_DoesNothingAsync()
    {
        using var directory = new TempDirectory("collateral-refresh-early");
        var context = new NodeContext();
        var refresher = new CollateralRefresher(context, Microsoft.Extensions.Options.Options.Create(new Attestation.AttestationOptions()),
            new ServiceCollection().BuildServiceProvider(), new FakeTimeProvider(Start), new FakeLogger<CollateralRefresher>());

        await refresher.RenewAsync(CancellationToken.None).DefaultTimeout();

        Assert.That(context.Current, Is.Null);
    }

    private static DateTimeOffset? Issued(string collateralJson) => PcsCollateralFetcher.GetOldestIssue(QuoteCollateral.FromJson(collateralJson));

    private static async Task<string> WaitForChangeAsync(NodeAttestation node, string previous)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (node.StapledCollateral == previous)
        {
            await Task.Delay(20, timeout.Token);
        }

        return node.StapledCollateral;
    }

    private static WebApplicationFactory<Program> Factory(TempDirectory directory, TimeProvider clock) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Agent:JournalPath", directory.File("journal.db"));
            builder.UseSetting("Attestation:Tee", "emulated");
            builder.UseSetting("Attestation:CollateralRefreshPeriod", "01:00:00");
            builder.ConfigureServices(services => services.AddSingleton(clock));
            builder.ConfigureLogging(logging => logging.ClearProviders().AddFakeLogging());
        });
}
