using PhalaWorker.Attestation.Policy;
using PhalaWorker.Chain;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Client;

/// <summary>
/// Reads the NodeRegistry contract over JSON-RPC: node records (with retirement and restart links), the measurement
/// allow-list, posted batch roots and on-chain receipt verification.
/// </summary>
public sealed class RegistryReader : IMeasurementProfileSource, IDisposable
{
    private readonly NodeRegistryClient _registry;
    private readonly ChainClientFactory? _ownedClients;

    /// <summary>Wraps a read-only registry binding.</summary>
    public RegistryReader(NodeRegistryClient registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
    }

    private RegistryReader(NodeRegistryClient registry, ChainClientFactory clients)
        : this(registry)
    {
        _ownedClients = clients;
    }

    public EthAddress Registry => _registry.Address;

    public ulong ChainId => _registry.ChainId;

    /// <summary>Connects to <paramref name="rpcUrl"/>, asks its chain id and binds the registry at <paramref name="registry"/>.</summary>
    public static async Task<RegistryReader> ConnectAsync(Uri rpcUrl, EthAddress registry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rpcUrl);
        var clients = ChainClientFactory.CreateStandalone();
        try
        {
            var rpc = clients.CreateRpc(rpcUrl);
            var chainId = await rpc.ChainIdAsync(cancellationToken).ConfigureAwait(false);
            return new RegistryReader(ChainClientFactory.CreateRegistry(rpc, registry, chainId), clients);
        }
        catch (Exception ex) when (ex is ChainException or HttpRequestException)
        {
            clients.Dispose();
            throw new WorkerClientException(WorkerClientErrorReason.ChainUnavailable, $"cannot read the chain at {rpcUrl}: {ex.Message}", ex);
        }
        catch
        {
            clients.Dispose();
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

        return info is null ? null : ToRegisteredNode(info);
    }

    /// <summary>
    /// The measurement profiles the registry owner currently allow-lists (revoked ones are gone), for matching quotes and
    /// RTMR3 event logs. An empty list means nothing is accepted.
    /// </summary>
    public async Task<IReadOnlyList<MeasurementProfile>> GetMeasurementProfilesAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<MeasurementProfileEntry> entries;
        try
        {
            entries = await _registry.GetAllowedMeasurementsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ChainException ex)
        {
            throw new WorkerClientException(WorkerClientErrorReason.ChainUnavailable, $"cannot read the measurement allow-list of registry {Registry}: {ex.Message}", ex);
        }

        return [.. entries.Select(ToProfile)];
    }

    /// <summary>The allow-listed profiles with their on-chain ids (for tools that revoke by id).</summary>
    public async Task<IReadOnlyList<(Hash32 Id, MeasurementProfile Profile)>> GetMeasurementProfilesWithIdsAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<MeasurementProfileEntry> entries;
        try
        {
            entries = await _registry.GetAllowedMeasurementsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ChainException ex)
        {
            throw new WorkerClientException(WorkerClientErrorReason.ChainUnavailable, $"cannot read the measurement allow-list of registry {Registry}: {ex.Message}", ex);
        }

        return [.. entries.Select(e => (e.Id, ToProfile(e)))];
    }

    /// <summary>
    /// Whether <paramref name="later"/> is <paramref name="node"/> or one of its registered successors (following
    /// successor links, at most <see cref="MaxSuccessionDepth"/>, as the contract's verifyReceipt does).
    /// </summary>
    public async Task<bool> IsSameOrSuccessorAsync(EthAddress node, EthAddress later, CancellationToken cancellationToken = default)
    {
        var current = node;
        for (var i = 0; i <= MaxSuccessionDepth; i++)
        {
            if (current == later)
            {
                return true;
            }

            var info = await GetNodeAsync(current, cancellationToken).ConfigureAwait(false);
            if (info is null || info.Successor.IsZero)
            {
                return false;
            }

            current = info.Successor;
        }

        return false;
    }

    /// <summary>The contract's MAX_SUCCESSION_DEPTH.</summary>
    public const int MaxSuccessionDepth = 16;

    /// <summary>
    /// Checks on chain that the registry holds <see cref="InclusionProof.BatchRoot"/> as batch <see cref="InclusionProof.BatchIndex"/>
    /// of <see cref="InclusionProof.BatchNode"/> (the receipt's signer when empty; otherwise it must be a registered successor
    /// of the signer, as after a restart) and that its <c>verifyReceipt</c> view, which recomputes the receipt's EIP-712
    /// digest from its fields, accepts the receipt, node signature and proof.
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

        if (inclusion.BatchNode.Length is not (0 or EthAddress.Size))
        {
            throw new WorkerClientException(WorkerClientErrorReason.InclusionInvalid, "the inclusion proof's batch_node is not an address");
        }

        var batchNode = inclusion.BatchNode.IsEmpty ? receipt.Signer : new EthAddress(inclusion.BatchNode.Span);
        bool accepted;
        BatchInfo batch;
        try
        {
            if (batchNode != receipt.Signer && !await IsSameOrSuccessorAsync(receipt.Signer, batchNode, cancellationToken).ConfigureAwait(false))
            {
                throw new WorkerClientException(WorkerClientErrorReason.InclusionInvalid,
                    $"batch node {batchNode} is not the receipt's signer {receipt.Signer} nor a registered successor of it");
            }

            batch = await _registry.GetBatchAsync(batchNode, inclusion.BatchIndex, cancellationToken).ConfigureAwait(false);
            accepted = await _registry.VerifyReceiptAsync(receipt.Signer, receipt.Data, receipt.Signature, batchNode, inclusion.BatchIndex,
                inclusion.Proof.Select(p => new Hash32(p.Span)).ToList(), cancellationToken).ConfigureAwait(false);
        }
        catch (ChainException ex)
        {
            throw new WorkerClientException(WorkerClientErrorReason.InclusionInvalid, $"the registry does not hold batch {inclusion.BatchIndex} of node {batchNode}: {ex.Message}", ex);
        }

        if (!batch.Root.AsSpan().SequenceEqual(inclusion.BatchRoot.Span))
        {
            throw new WorkerClientException(WorkerClientErrorReason.InclusionInvalid,
                $"the registry's root of batch {inclusion.BatchIndex} of {batchNode} is {batch.Root}, the node claims {new Hash32(inclusion.BatchRoot.Span)}");
        }

        if (!accepted)
        {
            throw new WorkerClientException(WorkerClientErrorReason.InclusionInvalid, "the registry's verifyReceipt rejected the receipt (fields, signature or proof)");
        }
    }

    internal static RegisteredNode ToRegisteredNode(NodeInfo info) =>
        new(info.Node, info.Operator, info.Active, info.HpkePublicKey.ToArray(), info.QuoteHash, info.Endpoint, info.TeeType,
            info.RegisteredAt, info.LastHeartbeat, info.BatchCount)
        {
            Retired = info.Retired,
            RetiredAt = info.RetiredAt,
            Predecessor = info.Predecessor,
            Successor = info.Successor,
            Epoch = info.Epoch,
            HeartbeatBlock = info.HeartbeatBlock,
        };

    private static MeasurementProfile ToProfile(MeasurementProfileEntry entry) => new()
    {
        Name = entry.Name,
        MrTd = entry.MrTd,
        Rtmr0 = entry.Rtmr0,
        Rtmr1 = entry.Rtmr1,
        Rtmr2 = entry.Rtmr2,
        AgentDigest = entry.AgentDigest.ToArray(),
        RequiredSettings = entry.Settings.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal),
    };

    /// <summary>The registry entry of a profile (settings sorted as the contract requires); its <c>Id</c> is the on-chain id.</summary>
    /// <exception cref="ChainException">The profile is malformed (the message names the field).</exception>
    public static MeasurementProfileEntry ToEntry(MeasurementProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new MeasurementProfileEntry(profile.Name, profile.MrTd, profile.Rtmr0, profile.Rtmr1, profile.Rtmr2,
            profile.AgentDigest is { Length: 32 } digest ? new Hash32(digest) : throw new ChainException(ChainErrorReason.InvalidAbi, "Invalid measurement profile: field 'agentDigest' (32 bytes)."),
            profile.RequiredSettings);
    }

    public void Dispose() => _ownedClients?.Dispose();
}
