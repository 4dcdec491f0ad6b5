using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Crypto;

/// <summary>Registers the crypto services.</summary>
public static class CryptoServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="NodeIdentity"/> generated in memory on first use (fresh keys every process start;
    /// the container disposes and wipes it). An identity registered earlier is kept.
    /// </summary>
    public static IServiceCollection AddCrypto(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(static _ => NodeIdentity.Generate());
        return services;
    }
}
