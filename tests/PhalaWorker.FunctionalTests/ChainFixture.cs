using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;
using PhalaWorker.Testing.Anvil;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>anvil (chain-net's fixture) with a freshly deployed NodeRegistry. Key 0 deploys; key 1 operates nodes.</summary>
internal sealed class ChainFixture : IAsyncDisposable
{
    private readonly TestHttpClientFactory _http;

    private ChainFixture(AnvilNode anvil, TestHttpClientFactory http, NodeRegistryClient registry)
    {
        Anvil = anvil;
        _http = http;
        Registry = registry;
    }

    public AnvilNode Anvil { get; }

    public NodeRegistryClient Registry { get; }

    public string OperatorKey => Anvil.PrivateKeys[1];

    public static async Task<ChainFixture> StartAsync(CancellationToken cancellationToken)
    {
        var anvil = await AnvilNode.StartAsync(cancellationToken: cancellationToken);
        var http = new TestHttpClientFactory();
        try
        {
            var rpc = new EthJsonRpcClient(http, anvil.RpcUrl);
            using var deployer = EthSigner.FromHex(anvil.PrivateKeys[0]);
            using var sender = new TransactionSender(rpc, deployer, new InMemoryTransactionStore(),
                new TransactionSenderOptions { ChainId = anvil.ChainId, PollInterval = TimeSpan.FromMilliseconds(100) });
            var registry = await NodeRegistryClient.DeployAsync(sender, cancellationToken: cancellationToken);
            return new ChainFixture(anvil, http, new NodeRegistryClient(rpc, registry.Address, anvil.ChainId));
        }
        catch
        {
            http.Dispose();
            await anvil.DisposeAsync();
            throw;
        }
    }

    public Dictionary<string, string?> AgentSettings() => new()
    {
        ["Chain:RpcUrl"] = Anvil.RpcUrl.ToString(),
        ["Chain:RegistryAddress"] = Registry.Address.ToChecksumString(),
        ["Registry:OperatorKey"] = OperatorKey,
    };

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Anvil.DisposeAsync();
    }

}
