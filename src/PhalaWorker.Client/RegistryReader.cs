using PhalaWorker.Chain;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Client;

/// <summary>Reads the NodeRegistry contract over JSON-RPC: node records, posted batch roots, on-chain receipt verification.</summary>
public sealed class RegistryReader : IDisposable
{
    private readonly NodeRegistryClient _registry;
    private readonly HttpClient? _ownedHttp;

    /// <summary>Wraps a read-only registry binding.</summary>
    public RegistryReader(NodeRegistryClient registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
    }

    private RegistryReader(NodeRegistryClient registry, HttpClient http)
        : this(registry)
    {
        _ownedHttp = http;
    }

    public EthAddress Registry => _registry.Address;

    public ulong ChainId => _registry.ChainId;

    /// <summary>Connects to <paramref name="rpcUrl"/>, asks its chain id and binds the registry at <paramref name="registry"/>.</summary>
    public static async Task<RegistryReader> ConnectAsync(Uri rpcUrl, EthAddress registry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rpcUrl);
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            var rpc = new EthJsonRpcClient(new SingleHttpClientFactory(http), rpcUrl);
            var chainId = await rpc.ChainIdAsync(cancellationToken).ConfigureAwait(false);
            return new RegistryReader(new NodeRegistryClient(rpc, registry, chainId), http);
        }
        catch (Exception ex) when (ex is ChainException or HttpRequestException)
        {
            http.Dispose();
            throw new WorkerClientException(WorkerClientErrorReason.ChainUnavailable, $"cannot read the chain at {rpcUrl}: {ex.Message}", ex);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>The node's record, or null when it never registered.</summary>
    public async Task<RegisteredNode?> GetNodeAsync(EthAddress node, CancellationToken cancellationToken = default)
    {
        NodeInfo? info;
        try
        {
            info = await _registry.GetNodeAsync(node, cancellationToken).ConfigureAwait(false);
        }
        catch (ChainException ex)
        {
            throw new WorkerClientException(WorkerClientErrorReason.ChainUnavailable, $"cannot read node {node} from registry {Registry}: {ex.Message}", ex);
        }

        return info is null
            ? null
            : new RegisteredNode(info.Node, info.Operator, info.Active, info.HpkePublicKey.ToArray(), info.QuoteHash, info.Endpoint, info.TeeType,
                info.RegisteredAt, info.LastHeartbeat, info.BatchCount);
    }

    /// <summary>
    /// Checks on chain that the registry holds <see cref="InclusionProof.BatchRoot"/> as the node's batch and that its
    /// <c>verifyReceipt</c> view accepts the receipt digest, proof and node signature.
    /// </summary>
    public async Task VerifyInclusionOnChainAsync(VerifiedReceipt receipt, InclusionProof inclusion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(inclusion);
        if (receipt.Registry != Registry || receipt.ChainId != ChainId)
        {
            throw new WorkerClientException(WorkerClientErrorReason.InclusionInvalid,
                $"the receipt is for registry {receipt.Registry} on chain {receipt.ChainId}, this reader reads {Registry} on chain {ChainId}");
        }

        bool accepted;
        BatchInfo batch;
        try
        {
            batch = await _registry.GetBatchAsync(receipt.Signer, inclusion.BatchIndex, cancellationToken).ConfigureAwait(false);
            accepted = await _registry.VerifyReceiptAsync(receipt.Signer, inclusion.BatchIndex, receipt.Digest,
                inclusion.Proof.Select(p => new Hash32(p.Span)).ToList(), receipt.Signature, cancellationToken).ConfigureAwait(false);
        }
        catch (ChainException ex)
        {
            throw new WorkerClientException(WorkerClientErrorReason.InclusionInvalid, $"the registry does not hold batch {inclusion.BatchIndex} of node {receipt.Signer}: {ex.Message}", ex);
        }

        if (!batch.Root.AsSpan().SequenceEqual(inclusion.BatchRoot.Span))
        {
            throw new WorkerClientException(WorkerClientErrorReason.InclusionInvalid,
                $"the registry's root of batch {inclusion.BatchIndex} is {batch.Root}, the node claims {new Hash32(inclusion.BatchRoot.Span)}");
        }

        if (!accepted)
        {
            throw new WorkerClientException(WorkerClientErrorReason.InclusionInvalid, "the registry's verifyReceipt rejected the receipt (proof or signature)");
        }
    }

    public void Dispose() => _ownedHttp?.Dispose();

    /// <summary>Hands out one shared HttpClient (the SDK has no DI container).</summary>
    private sealed class SingleHttpClientFactory(HttpClient client) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => client;
    }
}
