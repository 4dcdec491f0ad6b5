using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Attestation.Providers;

namespace PhalaWorker.Attestation;

/// <summary>Registers the node-side attestation services.</summary>
public static class AttestationServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="AttestationOptions"/> from <paramref name="configuration"/> (the <c>Attestation</c> section), validated on start,
    /// and registers <see cref="QuoteProviderSelector"/>, the selected <see cref="TeeSelection"/>, <see cref="IQuoteProvider"/>, the
    /// agent's <see cref="RtmrEventLog"/> and an <see cref="IGpuEvidenceProvider"/> and a <see cref="PcsCollateralFetcher"/>. The selection runs on first resolution and fails closed (see <see cref="QuoteProviderSelector"/>).
    /// </summary>
    public static IServiceCollection AddAttestation(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<AttestationOptions>()
            .Bind(configuration)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<QuoteProviderSelector>();
        services.TryAddSingleton(sp => sp.GetRequiredService<QuoteProviderSelector>().Select());
        services.TryAddSingleton(sp => sp.GetRequiredService<TeeSelection>().Provider);
        services.TryAddSingleton(sp => sp.GetRequiredService<TeeSelection>().EventLog);
        services.TryAddSingleton(CreateGpuEvidenceProvider);

        // Collateral for hardware quotes (the emulated TEE makes its own): fetched from the PCCS / Intel PCS named in
        // Attestation:Collateral (BaseUrl, CacheDirectory, RefreshMargin) and cached on disk until its nextUpdate.
        services.AddHttpClient(PcsCollateralFetcher.HttpClientName);
        services.TryAddSingleton(_ =>
        {
            var fetcherOptions = new CollateralFetcherOptions();
            configuration.GetSection("Collateral").Bind(fetcherOptions);
            return fetcherOptions;
        });
        services.TryAddSingleton<PcsCollateralFetcher>();

        // GPU collateral (driver and VBIOS RIMs, OCSP responses) for the node's own GPU evidence, from Attestation:GpuCollateral;
        // cached by the fetcher, so stapling it to each GetAttestation costs a dictionary lookup once warm.
        services.AddHttpClient(Gpu.Collateral.GpuCollateralFetcher.HttpClientName);
        services.TryAddSingleton(sp => new Gpu.Collateral.GpuCollateralFetcher(
            sp.GetRequiredService<System.Net.Http.IHttpClientFactory>(),
            sp.GetRequiredService<IOptions<AttestationOptions>>().Value.GpuCollateral,
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    private static IGpuEvidenceProvider CreateGpuEvidenceProvider(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<AttestationOptions>>().Value;
        if (string.Equals(options.GpuEvidence, "nvml", StringComparison.OrdinalIgnoreCase))
        {
            System.ComponentModel.DataAnnotations.Validator.ValidateObject(options.Nvml, new(options.Nvml), validateAllProperties: true);
            return new Gpu.Nvml.NvmlGpuEvidenceProvider(options.Nvml, services.GetService<Microsoft.Extensions.Logging.ILogger<Gpu.Nvml.NvmlGpuEvidenceProvider>>());
        }

        if (!string.Equals(options.GpuEvidence, "emulated", StringComparison.OrdinalIgnoreCase))
        {
            return new NoGpuEvidenceProvider();
        }

        var tee = services.GetRequiredService<TeeSelection>().EmulatedTee
            ?? throw new TeeProviderException(TeeErrorReason.NotAvailable, "Attestation:GpuEvidence=emulated requires Attestation:Tee=emulated.");
        return new EmulatedGpuEvidenceProvider(tee, services.GetRequiredService<TimeProvider>());
    }
}
