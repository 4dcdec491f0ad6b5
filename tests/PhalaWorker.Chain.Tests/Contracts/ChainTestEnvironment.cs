using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;
using PhalaWorker.Testing.Anvil;
using PhalaWorker.Testing;

namespace PhalaWorker.Chain.Tests.Contracts;

/// <summary>An anvil, an RPC client and helpers to build senders for its dev keys.</summary>
internal sealed class ChainTestEnvironment : IAsyncDisposable
{
    private readonly TestHttpClientFactory _factory = new();

    private ChainTestEnvironment(AnvilNode anvil)
    {
        Anvil = anvil;
        Rpc = new EthJsonRpcClient(_factory, anvil.RpcUrl, new JsonRpcClientOptions { RequestTimeout = TimeSpan.FromSeconds(5), InitialRetryDelay = TimeSpan.FromMilliseconds(50), MaxRetries = 2 });
    }

    public AnvilNode Anvil { get; }

    public EthJsonRpcClient Rpc { get; }

    public static async Task<ChainTestEnvironment> StartAsync(AnvilOptions? options = null)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return new ChainTestEnvironment(await AnvilNode.StartAsync(options, cts.Token));
    }

    public EthSigner Signer(int index) => EthSigner.FromHex(Anvil.PrivateKeys[index]);

    public TransactionSender Sender(EthSigner signer, ITransactionStore? store = null, TransactionSenderOptions? options = null) =>
        new(Rpc, signer, store ?? new InMemoryTransactionStore(), options ?? FastOptions(Anvil.ChainId));

    public static TransactionSenderOptions FastOptions(ulong chainId) => new()
    {
        ChainId = chainId,
        PollInterval = TimeSpan.FromMilliseconds(50),
        ReceiptTimeout = TimeSpan.FromSeconds(60),
    };

    public async ValueTask DisposeAsync()
    {
        await Anvil.DisposeAsync();
        _factory.Dispose();
    }
}
