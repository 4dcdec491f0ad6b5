using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Chain;

/// <summary>
/// The one place chain clients are built: JSON-RPC clients over an <see cref="HttpClient"/> from
/// <see cref="IHttpClientFactory"/>, transaction senders and registry bindings. The agent gets it from DI
/// (<see cref="ChainServiceCollectionExtensions.AddChainClients"/>); the CLI and the SDK, which have no container, use
/// <see cref="CreateStandalone"/> (one pooled handler, disposed with the factory).
/// </summary>
public sealed class ChainClientFactory : IDisposable
{
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IDisposable? _owned;

    public ChainClientFactory(IHttpClientFactory httpClientFactory, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this(httpClientFactory, timeProvider, loggerFactory, owned: null)
    {
    }

    private ChainClientFactory(IHttpClientFactory httpClientFactory, TimeProvider? timeProvider, ILoggerFactory? loggerFactory, IDisposable? owned)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        _httpClientFactory = httpClientFactory;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _owned = owned;
    }

    /// <summary>A factory with its own pooled HTTP handler, for hosts without a DI container (CLI, SDK).</summary>
    public static ChainClientFactory CreateStandalone(TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        var http = new PooledHttpClientFactory();
        return new ChainClientFactory(http, timeProvider, loggerFactory, http);
    }

    /// <summary>A JSON-RPC client of <paramref name="endpoint"/>.</summary>
    public EthJsonRpcClient CreateRpc(Uri endpoint, JsonRpcClientOptions? options = null) =>
        new(_httpClientFactory, endpoint, options, _timeProvider, _loggerFactory.CreateLogger<EthJsonRpcClient>());

    /// <summary>The sender of one key (one per key: it owns that key's nonces).</summary>
    public TransactionSender CreateSender(EthJsonRpcClient rpc, EthSigner signer, ITransactionStore store, TransactionSenderOptions options) =>
        new(rpc, signer, store, options, _timeProvider, _loggerFactory.CreateLogger<TransactionSender>());

    /// <summary>A registry binding; read-only without <paramref name="sender"/>.</summary>
    public static NodeRegistryClient CreateRegistry(EthJsonRpcClient rpc, EthAddress registry, ulong chainId, TransactionSender? sender = null) =>
        new(rpc, registry, chainId, sender);

    public void Dispose() => _owned?.Dispose();

    private sealed class PooledHttpClientFactory : IHttpClientFactory, IDisposable
    {
        private readonly SocketsHttpHandler _handler = new() { PooledConnectionLifetime = TimeSpan.FromMinutes(2) };

        public HttpClient CreateClient(string name) => new(_handler, disposeHandler: false);

        public void Dispose() => _handler.Dispose();
    }
}
