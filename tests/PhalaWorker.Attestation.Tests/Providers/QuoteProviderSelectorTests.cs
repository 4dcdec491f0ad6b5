using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Attestation.Providers;
using PhalaWorker.Attestation.Tdx;
using PhalaWorker.Attestation.Tests.Native;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Attestation.Tests.Providers;

public sealed class QuoteProviderSelectorTests : ShimTestBase
{
    private const string Seed = "000102030405060708090a0b0c0d0e0f";
    private static readonly DateTimeOffset Now = new(2025, 7, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void Select_AutoWithoutAnyTee_FailsClosedListingBoth()
    {
        var (selector, logs) = Create(new AttestationOptions
        {
            Tee = "auto", ConfigFsTsmRoot = "/nonexistent/tsm", TdxGuestDevice = "/nonexistent/tdx_guest",
        });

        var exception = Assert.Throws<TeeProviderException>(() => selector.Select());

        Assert.That(exception!.TeeReason, Is.EqualTo(TeeErrorReason.NotAvailable));
        Assert.That(exception.Message, Does.Contain("configfs-tsm").And.Contain("tdx-guest").And.Contain("emulated"));
        Assert.That(logs.GetSnapshot().Select(r => r.Id.Id), Does.Contain(1104));
    }

    [Test]
    public void Select_AutoWithConfigFsTsm_PicksItAndLogs()
    {
        using var tree = FakeConfigFsTree.Create(AttestationTestData.Quote);
        var (selector, logs) = Create(new AttestationOptions { Tee = "auto", ConfigFsTsmRoot = tree.Root });

        var selection = selector.Select();

        Assert.That(selection.Provider, Is.TypeOf<ConfigFsTsmQuoteProvider>());
        Assert.That(selection.Kind, Is.EqualTo(TeeKind.Tdx));
        Assert.That(selection.EmulatedTee, Is.Null);
        Assert.That(selection.EventLog.ExtendsHardware, Is.True);
        Assert.That(logs.GetSnapshot().Single(r => r.Id.Id == 1100).Message, Does.Contain("configfs-tsm"));
    }

    [Test]
    public void Select_AutoWithOnlyTdxGuestDevice_FailsClosedExplainingQgs()
    {
        using var tree = FakeConfigFsTree.CreateWithoutProvider();
        tree.CreateFakeDevice();
        var (selector, _) = Create(new AttestationOptions { Tee = "auto", ConfigFsTsmRoot = tree.Root, TdxGuestDevice = tree.TdxGuestDevicePath });

        var exception = Assert.Throws<TeeProviderException>(() => selector.Select());

        Assert.That(exception!.Message, Does.Contain("tdx-guest"));
    }

    [Test]
    public void Select_ConfigFsTsmModeWithoutIt_FailsClosed()
    {
        var (selector, _) = Create(new AttestationOptions { Tee = "configfs-tsm", ConfigFsTsmRoot = "/nonexistent/tsm" });

        Assert.That(() => selector.Select(), Throws.TypeOf<TeeProviderException>().With.Message.Contains("/nonexistent/tsm"));
    }

    [Test]
    public async Task Select_EmulatedWithSeed_DeterministicAndLoudAsync()
    {
        var options = new AttestationOptions { Tee = "emulated", EmulationSeed = Seed };
        var (selector, logs) = Create(options);
        var (other, _) = Create(options);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var selection = selector.Select();
        var quote = QuoteParser.Parse(await selection.Provider.GetQuoteAsync(new byte[64], cts.Token));

        Assert.That(selection.Kind, Is.EqualTo(TeeKind.EmulatedTdx));
        Assert.That(selection.EmulatedTee, Is.Not.Null);
        Assert.That(other.Select().EmulatedTee!.EmulatedRootCertificateDer, Is.EqualTo(selection.EmulatedTee!.EmulatedRootCertificateDer));
        Assert.That(selection.EmulatedTee.Collateral.IssuedAt, Is.EqualTo(Now));
        Assert.That(quote.Body.Rtmr3, Is.EqualTo(selection.EventLog.CurrentValue.ToArray()));
        var warning = logs.GetSnapshot().Single(r => r.Id.Id == 1102);
        Assert.That(warning.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(warning.Message, Does.Contain("EMULATED TEE"));
    }

    [Test]
    public void Select_EmulatedWithoutSeed_RandomKeys()
    {
        var (first, _) = Create(new AttestationOptions { Tee = "emulated" });
        var (second, _) = Create(new AttestationOptions { Tee = "emulated" });

        Assert.That(first.Select().EmulatedTee!.AttestationPublicKey, Is.Not.EqualTo(second.Select().EmulatedTee!.AttestationPublicKey));
    }

    [TestCase("auto", TeeMode.Auto)]
    [TestCase("configfs-tsm", TeeMode.ConfigFsTsm)]
    [TestCase("TDX-GUEST", TeeMode.TdxGuest)]
    [TestCase("emulated", TeeMode.Emulated)]
    public void TeeModeNames_Parse_KnownNames(string name, TeeMode mode)
    {
        Assert.That(TeeModeNames.Parse(name), Is.EqualTo(mode));
        Assert.That(TeeModeNames.Parse(TeeModeNames.ToName(mode)), Is.EqualTo(mode));
    }

    [Test]
    public void TeeModeNames_Parse_Unknown_Throws()
    {
        Assert.That(() => TeeModeNames.Parse("sgx"), Throws.ArgumentException);
    }

    private static (QuoteProviderSelector Selector, FakeLogCollector Logs) Create(AttestationOptions options)
    {
        var collector = new FakeLogCollector();
        var loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector)));
        return (new QuoteProviderSelector(Options.Create(options), new FakeTimeProvider(Now), loggerFactory), collector);
    }
}
