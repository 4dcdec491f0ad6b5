using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Attestation.Tdx;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Agent.Registry;

/// <summary>
/// The agent's calls into the NodeRegistry. The operator key sends every transaction (and pays its gas); the node key
/// authorizes each one with an EIP-712 signature the contract checks. Transactions are journaled next to the job journal, so
/// a restart resumes rather than doubles them.
/// </summary>
internal sealed class RegistryGateway(
    IOptions<RegistryOptions> options,
    IOptions<AgentOptions> agentOptions,
    ChainBinding chain,
    IHttpClientFactory httpClientFactory,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private NodeRegistryClient? _registry;
    private TransactionSender? _sender;
    private EthSigner? _operator;

    /// <summary>Connects (once): asks the chain id, checks it against configuration, prepares the operator's sender.</summary>
    public async Task<ulong> GetChainIdAsync(CancellationToken cancellationToken)
    {
        var registry = await GetRegistryAsync(cancellationToken);
        return registry.ChainId;
    }

    public async Task<Hash32> RegisterAsync(NodeAttestation attestation, string endpoint, CancellationToken cancellationToken)
    {
        var registry = await GetRegistryAsync(cancellationToken);
        var existing = await registry.GetNodeAsync(attestation.Address, cancellationToken);
        if (existing is { Active: true } && existing.QuoteHash == attestation.QuoteHash)
        {
            return Hash32.Zero; // already registered with this very quote (a restart with a persisted identity and quote)
        }

        if (existing is { Active: true })
        {
            await registry.DeregisterAsync(attestation.Address, null, cancellationToken);
        }

        var body = QuoteParser.Parse(attestation.Quote).Body;
        var rtmrs = new byte[4 * 48];
        for (var i = 0; i < 4; i++)
        {
            body.GetRtmr(i).CopyTo(rtmrs, i * 48);
        }

        var registration = new NodeRegistration(
            attestation.Address,
            new Hash32(attestation.Identity.HpkeKey.PublicKey),
            endpoint,
            (byte)attestation.Bundle.TeeType,
            attestation.QuoteHash,
            Keccak256.Hash(body.MrTd),
            Keccak256.Hash(rtmrs),
            Keccak256.Hash(attestation.ReportData));
        var transaction = await registry.RegisterNodeAsync(registration, attestation.Signer, "register:" + attestation.QuoteHash, cancellationToken);
        return transaction.Receipt.TransactionHash;
    }

    public async Task<Hash32> HeartbeatAsync(NodeAttestation attestation, CancellationToken cancellationToken)
    {
        var registry = await GetRegistryAsync(cancellationToken);
        var issuedAt = (ulong)timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var transaction = await registry.HeartbeatAsync(attestation.Address, attestation.QuoteHash, issuedAt, attestation.Signer, null, cancellationToken);
        return transaction.Receipt.TransactionHash;
    }

    public async Task<PostedBatch> PostBatchAsync(NodeAttestation attestation, Hash32 root, uint count, CancellationToken cancellationToken)
    {
        var registry = await GetRegistryAsync(cancellationToken);
        var transaction = await registry.PostBatchAsync(attestation.Address, root, count, attestation.Signer, "batch:" + root, cancellationToken);
        return new PostedBatch(transaction.Event.BatchIndex, transaction.Receipt.TransactionHash, transaction.Receipt.BlockNumber);
    }

    public void Dispose()
    {
        _sender?.Dispose();
        _operator?.Dispose();
        _lock.Dispose();
    }

    private async Task<NodeRegistryClient> GetRegistryAsync(CancellationToken cancellationToken)
    {
        if (_registry is { } ready)
        {
            return ready;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_registry is not null)
            {
                return _registry;
            }

            var settings = options.Value;
            var rpc = new EthJsonRpcClient(httpClientFactory, new Uri(settings.RpcUrl!), new JsonRpcClientOptions(), timeProvider, loggerFactory.CreateLogger<EthJsonRpcClient>());
            var chainId = await rpc.ChainIdAsync(cancellationToken);
            if (settings.ChainId != 0 && settings.ChainId != chainId)
            {
                throw new InvalidOperationException($"Registry:ChainId is {settings.ChainId} but {settings.RpcUrl} serves chain {chainId}");
            }

            _operator = new EthSigner(ReadOperatorKey(settings));
            var journalDirectory = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(agentOptions.Value.JournalPath)) ?? ".", "transactions");
            _sender = new TransactionSender(rpc, _operator, new FileTransactionStore(journalDirectory), new TransactionSenderOptions { ChainId = chainId, PollInterval = TimeSpan.FromMilliseconds(200) },
                timeProvider, loggerFactory.CreateLogger<TransactionSender>());
            _registry = new NodeRegistryClient(rpc, chain.Registry, chainId, _sender);
            return _registry;
        }
        finally
        {
            _lock.Release();
        }
    }

    private static byte[] ReadOperatorKey(RegistryOptions settings)
    {
        var text = !string.IsNullOrWhiteSpace(settings.OperatorKey)
            ? settings.OperatorKey
            : !string.IsNullOrWhiteSpace(settings.OperatorKeyFile) ? File.ReadAllText(settings.OperatorKeyFile) : null;
        if (text is null)
        {
            throw new InvalidOperationException("Registry:RpcUrl is set but no operator key is configured (Registry__OperatorKey or Registry:OperatorKeyFile)");
        }

        var key = Hex.Decode(text.Trim());
        if (key.Length != 32)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new InvalidOperationException("the operator key must be 32 bytes of hex");
        }

        return key;
    }
}
