using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Chain;

/// <summary>Registers the Ethereum layer: options, JSON-RPC client, transaction journal, sender and registry factories.</summary>
public static class ChainServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ChainOptions"/> bound to <paramref name="configuration"/> (the <c>Chain</c> section), validated on
    /// start; a named <see cref="HttpClient"/>; and singletons of <see cref="EthJsonRpcClient"/>, <see cref="ITransactionStore"/>
    /// (file journal when <see cref="ChainOptions.TransactionStorePath"/> is set), <see cref="TransactionSenderFactory"/> and
    /// <see cref="NodeRegistryClientFactory"/>. Existing registrations win (TryAdd).
    /// </summary>
    public static IServiceCollection AddChain(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ChainOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ChainOptions>>().Value;
            return new EthJsonRpcClient(
                sp.GetRequiredService<IHttpClientFactory>(),
                options.RpcUrl ?? throw new InvalidOperationException("Chain:RpcUrl is not configured."),
                options.ToJsonRpcClientOptions(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILogger<EthJsonRpcClient>>());
        });
        services.TryAddSingleton<ITransactionStore>(sp =>
        {
            var path = sp.GetRequiredService<IOptions<ChainOptions>>().Value.TransactionStorePath;
            return path is null ? new InMemoryTransactionStore() : new FileTransactionStore(path);
        });
        services.AddChainClients();
        services.TryAddSingleton<TransactionSenderFactory>();
        services.TryAddSingleton<NodeRegistryClientFactory>();
        return services;
    }

    /// <summary>
    /// Adds <see cref="ChainClientFactory"/> (and <see cref="IHttpClientFactory"/>, <see cref="TimeProvider"/>) without binding
    /// <see cref="ChainOptions"/>: for hosts that configure the chain elsewhere and build their clients on demand.
    /// </summary>
    public static IServiceCollection AddChainClients(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        // The RPC URL can carry an API key (in its path or user info): the factory's request logging would write it out.
        // Timeouts, size bounds and retries are EthJsonRpcClient's (JsonRpcHttpHandler), whatever client it is given.
        services.AddHttpClient(EthJsonRpcClient.HttpClientName).RemoveAllLoggers();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ChainClientFactory(
            sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>()));
        return services;
    }
}
