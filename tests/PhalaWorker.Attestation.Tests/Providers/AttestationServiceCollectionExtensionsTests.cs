using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Attestation.Providers;

namespace PhalaWorker.Attestation.Tests.Providers;

public sealed class AttestationServiceCollectionExtensionsTests
{
    [Test]
    public void AddAttestation_EmulatedConfig_ResolvesEmulatedProviderAndSharedEventLog()
    {
        using var services = Build(new() { ["Tee"] = "emulated", ["EmulationSeed"] = "000102030405060708090a0b0c0d0e0f" });

        var provider = services.GetRequiredService<IQuoteProvider>();
        var selection = services.GetRequiredService<TeeSelection>();

        Assert.That(provider, Is.TypeOf<EmulatedQuoteProvider>());
        Assert.That(((EmulatedQuoteProvider)provider).EventLog, Is.SameAs(services.GetRequiredService<RtmrEventLog>()));
        Assert.That(selection.EmulatedTee, Is.Not.Null);
    }

    [Test]
    public void AddAttestation_EmulatedGpu_ResolvesEmulatedGpuProvider()
    {
        using var services = Build(new() { ["Tee"] = "emulated", ["GpuEvidence"] = "emulated" });

        Assert.That(services.GetRequiredService<IGpuEvidenceProvider>(), Is.TypeOf<EmulatedGpuEvidenceProvider>());
    }

    [Test]
    public void AddAttestation_EmulatedGpuOnRealTee_FailsClosed()
    {
        using var services = Build(new() { ["Tee"] = "configfs-tsm", ["ConfigFsTsmRoot"] = "/nonexistent", ["GpuEvidence"] = "emulated" });

        Assert.That(() => services.GetRequiredService<IGpuEvidenceProvider>(), Throws.TypeOf<TeeProviderException>());
    }

    [Test]
    public void AddAttestation_Defaults_NoGpuEvidence()
    {
        using var services = Build([]);

        Assert.That(services.GetRequiredService<IGpuEvidenceProvider>(), Is.TypeOf<NoGpuEvidenceProvider>());
    }

    [Test]
    public void AddAttestation_CollateralSection_BindsFetcherToThatPccs()
    {
        using var services = Build(new() { ["Collateral:BaseUrl"] = "https://pccs.example.internal:8081/", ["Collateral:RefreshMargin"] = "00:10:00" });

        var options = services.GetRequiredService<CollateralFetcherOptions>();

        Assert.That(options.BaseUrl, Is.EqualTo(new Uri("https://pccs.example.internal:8081/")));
        Assert.That(options.RefreshMargin, Is.EqualTo(TimeSpan.FromMinutes(10)));
        Assert.That(services.GetRequiredService<PcsCollateralFetcher>(), Is.Not.Null);
    }

    [Test]
    public void AddAttestation_NoCollateralSection_FetchesFromIntelPcs()
    {
        using var services = Build([]);

        Assert.That(services.GetRequiredService<CollateralFetcherOptions>().BaseUrl, Is.EqualTo(CollateralFetcherOptions.IntelPcs));
    }

    [Test]
    public void AddAttestation_Defaults_AutoWithDocumentedPaths()
    {
        using var services = Build([]);

        var options = services.GetRequiredService<IOptions<AttestationOptions>>().Value;

        Assert.That(options.Tee, Is.EqualTo("auto"));
        Assert.That(options.ConfigFsTsmRoot, Is.EqualTo("/sys/kernel/config/tsm"));
        Assert.That(options.TdxGuestDevice, Is.EqualTo("/dev/tdx_guest"));
        Assert.That(options.EmulatedCollateralValidity, Is.EqualTo(TimeSpan.FromDays(30)));
    }

    [TestCase("Tee", "sgx")]
    [TestCase("EmulationSeed", "abcd")]
    [TestCase("QuoteAttempts", "0")]
    [TestCase("EmulatedCollateralValidity", "00:00:01")]
    [TestCase("GpuEvidence", "nvidia")]
    public void AddAttestation_InvalidSetting_ValidationFails(string key, string value)
    {
        using var services = Build(new() { [key] = value });

        Assert.That(() => services.GetRequiredService<IOptions<AttestationOptions>>().Value, Throws.TypeOf<OptionsValidationException>());
    }

    [Test]
    public void AddAttestation_CalledTwice_OneProviderRegistration()
    {
        var collection = new ServiceCollection();
        var configuration = new ConfigurationBuilder().Build();

        collection.AddAttestation(configuration).AddAttestation(configuration);

        Assert.That(collection.Count(d => d.ServiceType == typeof(IQuoteProvider)), Is.EqualTo(1));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddAttestation(configuration).BuildServiceProvider();
    }
}
