using System.Security.Cryptography;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Providers;
using PhalaWorker.Attestation.Tdx;
using PhalaWorker.Attestation.Tests.Emulation;

namespace PhalaWorker.Attestation.Tests.Providers;

public sealed class EmulatedQuoteProviderTests
{
    [Test]
    public async Task GetQuoteAsync_ReportData_QuoteCarriesItAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var provider = new EmulatedQuoteProvider(EmulatedTeeTests.Tee);

        var quote = QuoteParser.Parse(await provider.GetQuoteAsync(EmulatedTeeTests.ReportData, cts.Token));

        Assert.That(quote.Body.ReportData, Is.EqualTo(EmulatedTeeTests.ReportData));
        Assert.That(provider.Kind, Is.EqualTo(TeeKind.EmulatedTdx));
        Assert.That(provider.Name, Is.EqualTo("emulated"));
    }

    [Test]
    public async Task GetQuoteAsync_WithEventLog_Rtmr3EqualsReplayAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var log = new RtmrEventLog();
        log.Record(RtmrEvent.AgentVersionType, "0.1.0");
        log.Record(RtmrEvent.AgentDigestType, SHA256.HashData("config"u8));
        var provider = new EmulatedQuoteProvider(EmulatedTeeTests.Tee, eventLog: log);

        var quote = QuoteParser.Parse(await provider.GetQuoteAsync(EmulatedTeeTests.ReportData, cts.Token));

        Assert.That(quote.Body.Rtmr3, Is.EqualTo(RtmrEventLog.Replay(log.Events)));
        Assert.That(RtmrEventLog.Verify(log.Events, quote.Body.Rtmr3).Matches, Is.True);
    }

    [Test]
    public void GetQuoteAsync_ShortReportData_Throws()
    {
        var provider = new EmulatedQuoteProvider(EmulatedTeeTests.Tee);

        Assert.That(async () => await provider.GetQuoteAsync(new byte[63], CancellationToken.None), Throws.ArgumentException);
    }
}
