using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PhalaWorker.Compute.Backends;

namespace PhalaWorker.Compute;

/// <summary>Registers the compute engine: <see cref="ComputeOptions"/> (validated on start), the configured <see cref="IComputeBackend"/> and <see cref="ComputeEngine"/>.</summary>
public static class ComputeServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ComputeOptions"/> from <paramref name="configuration"/> (the "Compute" section) and registers the engine.</summary>
    public static IServiceCollection AddCompute(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ComputeOptions>()
            .Bind(configuration)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<IComputeBackend>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ComputeOptions>>().Value;
            return ComputeBackendRegistry.Create(options.Backend, options);
        });
        services.TryAddSingleton(sp => new ComputeEngine(
            sp.GetRequiredService<IOptions<ComputeOptions>>().Value,
            sp.GetRequiredService<IComputeBackend>(),
            sp.GetService<ILogger<ComputeEngine>>()));
        return services;
    }
}
