using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Attestation.Tdx;
using PhalaWorker.Chain;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Agent.Registry;

/// <summary>
/// The agent's calls into the NodeRegistry. The operator key sends every transaction (and pays its gas); the node key
/// authorizes each one with an EIP-712 signature the contract checks. Transactions are journaled next to the job journal, so
/// a restart resumes rather than doubles them. The last node address registered from this journal directory is kept in
/// <see cref="LastNodeFileName"/>: a node that registers under a new address names that one as its predecessor (which
/// retires it on chain and lets this node post the receipts it signed but never posted).
/// </summary>
internal sealed class RegistryGateway(
    IOptions<RegistryOptions> options,
    IOptions<ChainOptions> chainOptions,
    IOptions<AgentOptions> agentOptions,
    ChainBinding chain,
    NodeContext node,
    GpuAttestor gpu,
    ChainClientFactory clients,
    ILoggerFactory loggerFactory) : IReceiptBatchPoster, IRegistrationChain, IDisposable
{
    /// <summary>The file (next to the transaction journal) holding the last registered node: <c>{"chainId", "registry", "node"}</c>.</summary>
    public const string LastNodeFileName = "registry-node.json";

    private readonly ILogger _logger = loggerFactory.CreateLogger<RegistryGateway>();
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
            WriteLastNode(registry, attestation.Address);
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

        var predecessor = await FindPredecessorAsync(registry, attestation.Address, cancellationToken);
        var registration = new NodeRegistration(
            attestation.Address,
            new Hash32(attestation.Identity.HpkeKey.PublicKey),
            endpoint,
            (byte)attestation.Bundle.TeeType,
            attestation.QuoteHash,
            Keccak256.Hash(body.MrTd),
            Keccak256.Hash(rtmrs),
            Keccak256.Hash(attestation.ReportData),
            predecessor);
        var transaction = await registry.RegisterNodeAsync(registration, attestation.Signer, "register:" + attestation.QuoteHash, cancellationToken);
        WriteLastNode(registry, attestation.Address);
        return transaction.Receipt.TransactionHash;
    }

    /// <summary>
    /// A heartbeat for the node's current registration epoch, naming the chain's latest block (not the host's clock); its
    /// attestation digest binds GPU evidence collected fresh for that block when the node has GPUs (<see cref="GpuAttestor.HeartbeatDigestAsync"/>).
    /// </summary>
    public async Task<Hash32> HeartbeatAsync(NodeAttestation attestation, CancellationToken cancellationToken)
    {
        var registry = await GetRegistryAsync(cancellationToken);
        var transaction = await registry.HeartbeatAtLatestBlockAsync(
            attestation.Address, (_, blockHash, ct) => gpu.HeartbeatDigestAsync(attestation, blockHash, ct), attestation.Signer, cancellationToken);
        return transaction.Receipt.TransactionHash;
    }

    /// <summary>
    /// Leaves the registry for good (<c>retireNode</c>): call at shutdown, after the last batch was posted. Receipts not yet
    /// posted stay in the journal; the next node started on it names this one as predecessor and posts them. Returns the
    /// transaction, or null when there is no chain, the node never attested or registered, or it is not registered (any more).
    /// </summary>
    public async Task<Hash32?> LeaveAsync(CancellationToken cancellationToken)
    {
        if (!chain.Enabled || !chain.IsSettled || node.Current is not { } attestation)
        {
            return null;
        }

        var registry = await GetRegistryAsync(cancellationToken);
        var info = await registry.GetNodeAsync(attestation.Address, cancellationToken);
        if (info is null || info.Retired)
        {
            return null;
        }

        var transaction = await registry.RetireNodeAsync(attestation.Address, "retire:" + attestation.Address, cancellationToken);
        AgentLog.NodeLeft(_logger, attestation.Address.ToString(), transaction.Receipt.TransactionHash.ToString());
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

            var settings = chainOptions.Value;
            var rpc = clients.CreateRpc(settings.RpcUrl!, settings.ToJsonRpcClientOptions());
            var chainId = await rpc.ChainIdAsync(cancellationToken);
            if (settings.ChainId != 0 && settings.ChainId != chainId)
            {
                throw new InvalidOperationException($"Chain:ChainId is {settings.ChainId} but {settings.RpcUrl} serves chain {chainId}");
            }

            _operator = new EthSigner(ReadOperatorKey(options.Value));
            _sender = clients.CreateSender(rpc, _operator, new FileTransactionStore(TransactionDirectory), settings.ToSenderOptions(chainId));
            _registry = ChainClientFactory.CreateRegistry(rpc, chain.Registry, chainId, _sender);
            return _registry;
        }
        finally
        {
            _lock.Release();
        }
    }

    private string LastNodePath => Path.Combine(TransactionDirectory, LastNodeFileName);

    /// <summary><see cref="ChainOptions.TransactionStorePath"/>, by default <c>transactions/</c> next to the job journal.</summary>
    private string TransactionDirectory => chainOptions.Value.TransactionStorePath is { Length: > 0 } path
        ? Path.GetFullPath(path)
        : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(agentOptions.Value.JournalPath)) ?? ".", "transactions");

    /// <summary>
    /// The previous node registered from this journal, when it can be named: registered on this registry, run by this
    /// operator, without a successor. The host controls the file, so a wrong entry can only name another node of the same
    /// operator (which the operator may retire anyway) and the contract checks every condition again.
    /// </summary>
    private async Task<EthAddress> FindPredecessorAsync(NodeRegistryClient registry, EthAddress self, CancellationToken cancellationToken)
    {
        EthAddress previous;
        try
        {
            if (!File.Exists(LastNodePath))
            {
                return EthAddress.Zero;
            }

            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(LastNodePath, cancellationToken));
            var root = document.RootElement;
            if (root.GetProperty("chainId").GetUInt64() != registry.ChainId || EthAddress.Parse(root.GetProperty("registry").GetString()!) != registry.Address)
            {
                return EthAddress.Zero; // another chain or registry
            }

            previous = EthAddress.Parse(root.GetProperty("node").GetString()!);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or ArgumentException or IOException)
        {
            AgentLog.PredecessorSkipped(_logger, LastNodeFileName, "the file is unreadable: " + ex.Message);
            return EthAddress.Zero;
        }

        if (previous == self || previous.IsZero)
        {
            return EthAddress.Zero;
        }

        var info = await registry.GetNodeAsync(previous, cancellationToken);
        var reason = info is null ? "it is not registered"
            : info.Operator != _operator!.Address ? $"it is run by operator {info.Operator}"
            : !info.Successor.IsZero ? $"it already has successor {info.Successor}"
            : null;
        if (reason is not null)
        {
            AgentLog.PredecessorSkipped(_logger, previous.ToString(), reason);
            return EthAddress.Zero;
        }

        AgentLog.PredecessorLinked(_logger, previous.ToString());
        return previous;
    }

    private void WriteLastNode(NodeRegistryClient registry, EthAddress self)
    {
        Directory.CreateDirectory(TransactionDirectory);
        var temporary = LastNodePath + ".tmp";
        File.WriteAllText(temporary, new JsonObject
        {
            ["chainId"] = registry.ChainId,
            ["registry"] = registry.Address.ToChecksumString(),
            ["node"] = self.ToChecksumString(),
        }.ToJsonString());
        File.Move(temporary, LastNodePath, overwrite: true);
    }

    private static byte[] ReadOperatorKey(RegistryOptions settings)
    {
        var text = !string.IsNullOrWhiteSpace(settings.OperatorKey)
            ? settings.OperatorKey
            : !string.IsNullOrWhiteSpace(settings.OperatorKeyFile) ? File.ReadAllText(settings.OperatorKeyFile) : null;
        if (text is null)
        {
            throw new InvalidOperationException("Chain:RpcUrl is set but no operator key is configured (Registry__OperatorKey or Registry:OperatorKeyFile)");
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
