using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>
/// Typed binding of the NodeRegistry contract. Reads go through <c>eth_call</c>; writes need a
/// <see cref="TransactionSender"/> (the operator's key, or the node's own) and return the confirmed receipt with the
/// decoded event. Contract errors surface as <see cref="NodeRegistryException"/> naming the custom error.
/// </summary>
public sealed class NodeRegistryClient
{
    private readonly EthJsonRpcClient _rpc;
    private readonly TransactionSender? _sender;

    /// <param name="rpc">The node to read from.</param>
    /// <param name="address">The deployed registry.</param>
    /// <param name="chainId">The chain (part of every signed message's EIP-712 domain).</param>
    /// <param name="sender">Sends transactions; null for a read-only client.</param>
    public NodeRegistryClient(EthJsonRpcClient rpc, EthAddress address, ulong chainId, TransactionSender? sender = null)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        if (sender is not null && sender.Options.ChainId != chainId)
        {
            throw new ArgumentException($"The sender signs for chain {sender.Options.ChainId}, not {chainId}.", nameof(sender));
        }

        _rpc = rpc;
        _sender = sender;
        Address = address;
        ChainId = chainId;
    }

    public EthAddress Address { get; }

    public ulong ChainId { get; }

    /// <summary>Deploys a new registry with <paramref name="sender"/>'s key; returns a client bound to it.</summary>
    public static async Task<NodeRegistryClient> DeployAsync(TransactionSender sender, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var receipt = await sender.SendAsync(new TransactionRequest(null, NodeRegistryContract.Bytecode) { IdempotencyKey = idempotencyKey }, cancellationToken).ConfigureAwait(false);
        var address = receipt.ContractAddress
            ?? throw new ChainException(ChainErrorReason.TransactionFailed, $"Deployment {receipt.TransactionHash} has no contract address.");
        return new NodeRegistryClient(sender.Rpc, address, sender.Options.ChainId, sender) { DeploymentReceipt = receipt };
    }

    /// <summary>The receipt of the deployment, when this client was created by <see cref="DeployAsync"/>.</summary>
    public TransactionReceipt? DeploymentReceipt { get; private init; }

    // ------------------------------------------------------------------ writes

    /// <summary>Registers a node operated by the sender's key, signing the registration with <paramref name="nodeSigner"/>.</summary>
    public async Task<NodeRegistryTransaction<NodeRegisteredEvent>> RegisterNodeAsync(
        NodeRegistration registration, EthSigner nodeSigner, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentNullException.ThrowIfNull(nodeSigner);
        if (nodeSigner.Address != registration.Node)
        {
            throw new ArgumentException($"The node signer is {nodeSigner.Address}, not the registered node {registration.Node}.", nameof(nodeSigner));
        }

        var sender = RequireSender();
        var nonce = await GetRegistrationNonceAsync(registration.Node, cancellationToken).ConfigureAwait(false);
        var digest = NodeRegistryTypedData.RegistrationDigest(registration, sender.From, nonce, ChainId, Address);
        return await RegisterNodeAsync(registration, NodeRegistryTypedData.Sign(nodeSigner, digest), idempotencyKey, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Registers a node with a signature made elsewhere over <see cref="NodeRegistryTypedData.RegistrationDigest"/>.</summary>
    public Task<NodeRegistryTransaction<NodeRegisteredEvent>> RegisterNodeAsync(
        NodeRegistration registration, byte[] nodeSignature, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentNullException.ThrowIfNull(nodeSignature);
        return SendAsync<RegisterNodeFunction, NodeRegisteredEvent>(new() { R = registration.ToStruct(), NodeSignature = nodeSignature }, idempotencyKey, cancellationToken);
    }

    /// <summary>
    /// Records a heartbeat with a fresh attestation digest, bound to the node's registration <paramref name="epoch"/> and to
    /// a recent block (<paramref name="blockNumber"/> with its <paramref name="blockHash"/>; one of the last 256 when mined).
    /// When the sender is not the node itself, <paramref name="nodeSigner"/> signs it (required then).
    /// </summary>
    public Task<NodeRegistryTransaction<NodeHeartbeatEvent>> HeartbeatAsync(
        EthAddress node, ulong epoch, Hash32 attestationDigest, ulong blockNumber, Hash32 blockHash, EthSigner? nodeSigner,
        string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var signature = SignIfRelayed(node, nodeSigner, () => NodeRegistryTypedData.HeartbeatDigest(node, epoch, attestationDigest, blockNumber, blockHash, ChainId, Address));
        return SendAsync<HeartbeatFunction, NodeHeartbeatEvent>(Heartbeat(node, epoch, attestationDigest, blockNumber, blockHash, signature), idempotencyKey, cancellationToken);
    }

    /// <summary>Sends a heartbeat with a signature made elsewhere over <see cref="NodeRegistryTypedData.HeartbeatDigest"/> (empty when the sender is the node).</summary>
    public Task<NodeRegistryTransaction<NodeHeartbeatEvent>> HeartbeatAsync(
        EthAddress node, ulong epoch, Hash32 attestationDigest, ulong blockNumber, Hash32 blockHash, byte[] nodeSignature,
        string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeSignature);
        return SendAsync<HeartbeatFunction, NodeHeartbeatEvent>(Heartbeat(node, epoch, attestationDigest, blockNumber, blockHash, nodeSignature), idempotencyKey, cancellationToken);
    }

    /// <summary>
    /// A heartbeat for the node's current epoch naming the chain's latest block (read here, so the signature is made
    /// after that block exists whatever the local clock says).
    /// </summary>
    /// <exception cref="NodeRegistryException">The node is not registered (<see cref="NodeRegistryError.NodeNotActive"/>) or the contract refused.</exception>
    public Task<NodeRegistryTransaction<NodeHeartbeatEvent>> HeartbeatAtLatestBlockAsync(
        EthAddress node, Hash32 attestationDigest, EthSigner? nodeSigner, CancellationToken cancellationToken = default) =>
        HeartbeatAtLatestBlockAsync(node, (_, _, _) => Task.FromResult(attestationDigest), nodeSigner, cancellationToken);

    /// <summary>
    /// A heartbeat naming the chain's latest block, whose attestation digest is computed for that block (number, hash): a
    /// node with GPU evidence collects it fresh for the block hash, so the digest could not have been made before the block.
    /// </summary>
    public async Task<NodeRegistryTransaction<NodeHeartbeatEvent>> HeartbeatAtLatestBlockAsync(
        EthAddress node, Func<ulong, Hash32, CancellationToken, Task<Hash32>> attestationDigestForBlock, EthSigner? nodeSigner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attestationDigestForBlock);
        var info = await GetNodeAsync(node, cancellationToken).ConfigureAwait(false);
        if (info is not { Active: true })
        {
            throw new NodeRegistryException(NodeRegistryError.NodeNotActive, [node], $"NodeRegistry refused the call: node {node} is not active.");
        }

        var head = await _rpc.GetBlockByNumberAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false)
            ?? throw new ChainException(ChainErrorReason.Rpc, "The chain returned no latest block.");
        var attestationDigest = await attestationDigestForBlock(head.Number, head.Hash, cancellationToken).ConfigureAwait(false);
        return await HeartbeatAsync(node, info.Epoch, attestationDigest, head.Number, head.Hash, nodeSigner, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Retires a node for good (sender = its operator or the node): it leaves; its batches stay verifiable.</summary>
    public Task<NodeRegistryTransaction<NodeRetiredEvent>> RetireNodeAsync(EthAddress node, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<RetireNodeFunction, NodeRetiredEvent>(new() { Node = node.ToLowerHexString() }, idempotencyKey, cancellationToken);

    /// <summary>Allow-lists a measurement profile (sender = the registry owner); the event carries its id.</summary>
    public Task<NodeRegistryTransaction<MeasurementsAllowedEvent>> AllowMeasurementsAsync(
        MeasurementProfileEntry profile, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return SendAsync<AllowMeasurementsFunction, MeasurementsAllowedEvent>(new() { P = profile.ToStruct() }, idempotencyKey, cancellationToken);
    }

    /// <summary>Removes a measurement profile from the allow-list (sender = the registry owner).</summary>
    public Task<NodeRegistryTransaction<MeasurementsRevokedEvent>> RevokeMeasurementsAsync(
        Hash32 profileId, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<RevokeMeasurementsFunction, MeasurementsRevokedEvent>(new() { ProfileId = profileId.ToArray() }, idempotencyKey, cancellationToken);

    /// <summary>Hands the allow-list to <paramref name="newOwner"/> (sender = the registry owner).</summary>
    public Task<NodeRegistryTransaction<OwnershipTransferredEvent>> TransferOwnershipAsync(
        EthAddress newOwner, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<TransferOwnershipFunction, OwnershipTransferredEvent>(new() { NewOwner = newOwner.ToLowerHexString() }, idempotencyKey, cancellationToken);

    /// <summary>Deregisters a node (sender = its operator or the node).</summary>
    public Task<NodeRegistryTransaction<NodeDeregisteredEvent>> DeregisterAsync(EthAddress node, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<DeregisterFunction, NodeDeregisteredEvent>(new() { Node = node.ToLowerHexString() }, idempotencyKey, cancellationToken);

    /// <summary>
    /// Posts a batch (Merkle root of <paramref name="count"/> receipt digests). When the sender is not the node,
    /// <paramref name="nodeSigner"/> signs ResultBatch(node, next batch index, root, count). The event carries the batch index.
    /// Batches of one node must be posted one after the other (the signature binds the index).
    /// </summary>
    public async Task<NodeRegistryTransaction<BatchPostedEvent>> PostBatchAsync(
        EthAddress node, Hash32 root, uint count, EthSigner? nodeSigner, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var sender = RequireSender();
        byte[] signature = [];
        if (sender.From != node)
        {
            if (idempotencyKey is not null && await sender.FindAsync(idempotencyKey, cancellationToken).ConfigureAwait(false) is not null)
            {
                // Already journaled (e.g. before a restart): resume it rather than sign for a later index.
                return await CompleteAsync<BatchPostedEvent>(NodeRegistryCodec.Name<PostBatchFunction>(), () => sender.WaitForReceiptAsync(idempotencyKey, cancellationToken)).ConfigureAwait(false);
            }

            var index = await GetBatchCountAsync(node, cancellationToken).ConfigureAwait(false);
            signature = SignIfRelayed(node, nodeSigner, () => NodeRegistryTypedData.BatchDigest(node, index, root, count, ChainId, Address));
        }

        return await SendAsync<PostBatchFunction, BatchPostedEvent>(PostBatch(node, root, count, signature), idempotencyKey, cancellationToken).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ reads

    /// <summary>The node, or null when the address never registered.</summary>
    public async Task<NodeInfo?> GetNodeAsync(EthAddress node, CancellationToken cancellationToken = default)
    {
        var output = await CallOutputAsync<GetNodeFunction, GetNodeOutputDTO>(GetNode(node), cancellationToken).ConfigureAwait(false);
        var info = ToNodeInfo(node, output.ReturnValue1);
        return info.RegisteredAt == 0 ? null : info;
    }

    /// <summary>Several nodes in one JSON-RPC batch; unknown addresses are left out.</summary>
    public async Task<IReadOnlyList<NodeInfo>> GetNodesAsync(IReadOnlyList<EthAddress> nodes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var calls = nodes.Select(n => new JsonRpcCall("eth_call", [
            EthJsonRpcClient.Param(new CallRequest { To = Address, Data = NodeRegistryCodec.Encode(GetNode(n)) }),
            EthJsonRpcClient.Param(BlockTag.Latest)])).ToList();
        var results = await _rpc.BatchAsync(calls, cancellationToken).ConfigureAwait(false);
        var list = new List<NodeInfo>(nodes.Count);
        for (var i = 0; i < nodes.Count; i++)
        {
            var output = EthJsonRpcClient.ConvertResult("eth_call", results[i].GetResultOrThrow(), ChainJsonContext.Default.ByteArray);
            var info = ToNodeInfo(nodes[i], DecodeOutput<GetNodeFunction, GetNodeOutputDTO>(output).ReturnValue1);
            if (info.RegisteredAt != 0)
            {
                list.Add(info);
            }
        }

        return list;
    }

    public async Task<bool> IsActiveAsync(EthAddress node, CancellationToken cancellationToken = default) =>
        await CallAsync<IsActiveFunction, bool>(new() { Node = node.ToLowerHexString() }, cancellationToken).ConfigureAwait(false);

    /// <summary>Distinct node addresses ever registered.</summary>
    public async Task<ulong> NodeCountAsync(CancellationToken cancellationToken = default) =>
        await CallAsync<NodeCountFunction, ulong>(new(), cancellationToken).ConfigureAwait(false);

    /// <summary>Node addresses in registration order: <paramref name="limit"/> from <paramref name="offset"/>.</summary>
    public async Task<IReadOnlyList<EthAddress>> ListNodesAsync(ulong offset, ulong limit, CancellationToken cancellationToken = default)
    {
        var page = await CallAsync<ListNodesFunction, List<string>>(new() { Offset = offset, Limit = limit }, cancellationToken).ConfigureAwait(false);
        return [.. page.Select(ParseAddress)];
    }

    public async Task<ulong> GetBatchCountAsync(EthAddress node, CancellationToken cancellationToken = default) =>
        await CallAsync<BatchCountFunction, ulong>(new() { Node = node.ToLowerHexString() }, cancellationToken).ConfigureAwait(false);

    /// <exception cref="NodeRegistryException">Error <see cref="NodeRegistryError.BatchNotFound"/> for an unknown batch.</exception>
    public async Task<BatchInfo> GetBatchAsync(EthAddress node, ulong batchIndex, CancellationToken cancellationToken = default)
    {
        var batch = (await CallOutputAsync<GetBatchFunction, GetBatchOutputDTO>(new() { Node = node.ToLowerHexString(), BatchIndex = batchIndex }, cancellationToken).ConfigureAwait(false)).ReturnValue1;
        return new BatchInfo(node, batchIndex, new Hash32(batch.Root), batch.Count, batch.PostedAt);
    }

    public async Task<BigInteger> GetRegistrationNonceAsync(EthAddress node, CancellationToken cancellationToken = default) =>
        await CallAsync<RegistrationNonceFunction, BigInteger>(new() { Node = node.ToLowerHexString() }, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The contract's view: <paramref name="signature"/> is <paramref name="node"/>'s over the EIP-712 digest of
    /// <paramref name="receipt"/> (computed on chain) and that digest is a leaf of batch <paramref name="batchIndex"/> of
    /// <paramref name="batchNode"/>, which is the node itself or a successor of it.
    /// </summary>
    /// <exception cref="NodeRegistryException"><see cref="NodeRegistryError.BatchNotFound"/> for an unknown batch.</exception>
    public async Task<bool> VerifyReceiptAsync(
        EthAddress node, JobReceiptData receipt, ReadOnlyMemory<byte> signature, EthAddress batchNode, ulong batchIndex, IReadOnlyList<Hash32> proof,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(proof);
        return await CallAsync<VerifyReceiptFunction, bool>(VerifyReceipt(node, receipt, signature, batchNode, batchIndex, proof), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The calldata of <c>verifyReceipt</c> (for gas estimates and tools).</summary>
    public static byte[] VerifyReceiptCallData(
        EthAddress node, JobReceiptData receipt, ReadOnlyMemory<byte> signature, EthAddress batchNode, ulong batchIndex, IReadOnlyList<Hash32> proof)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(proof);
        return NodeRegistryCodec.Encode(VerifyReceipt(node, receipt, signature, batchNode, batchIndex, proof));
    }

    /// <summary>The contract's EIP-712 JobReceipt digest (to cross-check an off-chain encoder).</summary>
    public async Task<Hash32> HashReceiptAsync(JobReceiptData receipt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        return new Hash32(await CallAsync<HashReceiptFunction, byte[]>(new() { R = ReceiptStruct(receipt) }, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The contract's EIP-712 JobReceipt digest of the given fields.</summary>
    public Task<Hash32> HashReceiptAsync(
        Hash32 jobId, Hash32 modelHash, Hash32 inputHash, Hash32 outputHash, Hash32 quoteHash, ulong finishedAt, string backend, CancellationToken cancellationToken = default) =>
        HashReceiptAsync(new JobReceiptData(jobId, modelHash, inputHash, outputHash, quoteHash, finishedAt, backend), cancellationToken);

    /// <summary>The account that manages the measurement allow-list.</summary>
    public async Task<EthAddress> OwnerAsync(CancellationToken cancellationToken = default) =>
        ParseAddress(await CallAsync<OwnerFunction, string>(new(), cancellationToken).ConfigureAwait(false));

    /// <summary>Number of allow-listed measurement profiles.</summary>
    public async Task<ulong> MeasurementCountAsync(CancellationToken cancellationToken = default) =>
        await CallAsync<MeasurementCountFunction, ulong>(new(), cancellationToken).ConfigureAwait(false);

    /// <summary>Allowed profile ids: <paramref name="limit"/> from <paramref name="offset"/>.</summary>
    public async Task<IReadOnlyList<Hash32>> ListMeasurementIdsAsync(ulong offset, ulong limit, CancellationToken cancellationToken = default)
    {
        var page = await CallAsync<ListMeasurementsFunction, List<byte[]>>(new() { Offset = offset, Limit = limit }, cancellationToken).ConfigureAwait(false);
        return [.. page.Select(id => new Hash32(id))];
    }

    public async Task<bool> IsMeasurementAllowedAsync(Hash32 profileId, CancellationToken cancellationToken = default) =>
        await CallAsync<IsMeasurementAllowedFunction, bool>(new() { ProfileId = profileId.ToArray() }, cancellationToken).ConfigureAwait(false);

    /// <exception cref="NodeRegistryException"><see cref="NodeRegistryError.MeasurementsNotAllowed"/> for an id not on the list.</exception>
    public async Task<MeasurementProfileEntry> GetMeasurementsAsync(Hash32 profileId, CancellationToken cancellationToken = default)
    {
        var output = await CallOutputAsync<GetMeasurementsFunction, GetMeasurementsOutputDTO>(new() { ProfileId = profileId.ToArray() }, cancellationToken).ConfigureAwait(false);
        return MeasurementProfileEntry.FromStruct(output.ReturnValue1);
    }

    /// <summary>Every allowed profile (ids paged by <paramref name="pageSize"/>, profiles read in one JSON-RPC batch per page).</summary>
    public async Task<IReadOnlyList<MeasurementProfileEntry>> GetAllowedMeasurementsAsync(ulong pageSize = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(pageSize);
        var list = new List<MeasurementProfileEntry>();
        for (ulong offset = 0; ; offset += pageSize)
        {
            var ids = await ListMeasurementIdsAsync(offset, pageSize, cancellationToken).ConfigureAwait(false);
            if (ids.Count == 0)
            {
                return list;
            }

            var calls = ids.Select(id => new JsonRpcCall("eth_call", [
                EthJsonRpcClient.Param(new CallRequest { To = Address, Data = NodeRegistryCodec.Encode(new GetMeasurementsFunction { ProfileId = id.ToArray() }) }),
                EthJsonRpcClient.Param(BlockTag.Latest)])).ToList();
            var results = await _rpc.BatchAsync(calls, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < ids.Count; i++)
            {
                var output = EthJsonRpcClient.ConvertResult("eth_call", results[i].GetResultOrThrow(), ChainJsonContext.Default.ByteArray);
                var entry = MeasurementProfileEntry.FromStruct(DecodeOutput<GetMeasurementsFunction, GetMeasurementsOutputDTO>(output).ReturnValue1);
                if (entry.Id != ids[i])
                {
                    throw new ChainException(ChainErrorReason.InvalidAbi, $"The registry returned profile {entry.Id} for id {ids[i]}.");
                }

                list.Add(entry);
            }

            if ((ulong)ids.Count < pageSize)
            {
                return list;
            }
        }
    }

    /// <summary>The contract's id of a profile (to cross-check <see cref="MeasurementProfileEntry.Id"/>).</summary>
    public async Task<Hash32> MeasurementProfileIdAsync(MeasurementProfileEntry profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new Hash32(await CallAsync<MeasurementProfileIdFunction, byte[]>(new() { P = profile.ToStruct() }, cancellationToken).ConfigureAwait(false));
    }

    public async Task<Hash32> DomainSeparatorAsync(CancellationToken cancellationToken = default) =>
        new(await CallAsync<DomainSeparatorFunction, byte[]>(new(), cancellationToken).ConfigureAwait(false));

    // ------------------------------------------------------------------ events

    /// <summary>The registry's events in a block range, oldest first.</summary>
    public async Task<IReadOnlyList<NodeRegistryEvent>> GetEventsAsync(BlockTag fromBlock, BlockTag toBlock, CancellationToken cancellationToken = default)
    {
        var logs = await _rpc.GetLogsAsync(new LogFilter { FromBlock = fromBlock, ToBlock = toBlock, Address = Address }, cancellationToken).ConfigureAwait(false);
        return [.. logs.Select(DecodeEvent).OfType<NodeRegistryEvent>()];
    }

    /// <summary>Decodes a registry log; null for a log of another event.</summary>
    /// <exception cref="ChainException"><see cref="ChainErrorReason.InvalidAbi"/>: a registry event whose data does not decode.</exception>
    public static NodeRegistryEvent? DecodeEvent(LogEntry log)
    {
        ArgumentNullException.ThrowIfNull(log);
        return NodeRegistryCodec.DecodeEvent(log);
    }

    /// <summary>Turns revert data of the registry into a <see cref="NodeRegistryException"/> (null when it is none of its errors).</summary>
    public static NodeRegistryException? TryDecodeError(ReadOnlySpan<byte> revertData, Exception? innerException = null)
    {
        return NodeRegistryCodec.DecodeError(revertData, out var name) is { } error
            ? new NodeRegistryException(error.Error, error.Arguments, $"NodeRegistry refused the call: {NodeRegistryCodec.Describe(name, error)}", innerException)
            : null;
    }

    // ------------------------------------------------------------------ internals

    private static EthAddress ParseAddress(string address) => EthAddress.Parse(address.ToLowerInvariant());

    internal static NodeInfo ToNodeInfo(EthAddress node, Node n) => new(
        node,
        ParseAddress(n.Operator),
        n.TeeType,
        n.Active,
        n.Retired,
        n.RegisteredAt,
        n.LastHeartbeat,
        n.HeartbeatBlock,
        n.BatchCount,
        n.Epoch,
        ParseAddress(n.Predecessor),
        n.RetiredAt,
        ParseAddress(n.Successor),
        new Hash32(n.HpkePublicKey),
        new Hash32(n.QuoteHash),
        new Hash32(n.MrtdHash),
        new Hash32(n.RtmrDigest),
        new Hash32(n.ReportDataHash),
        new Hash32(n.AttestationDigest),
        n.Endpoint);

    internal static GetNodeFunction GetNode(EthAddress node) => new() { Node = node.ToLowerHexString() };

    private static HeartbeatFunction Heartbeat(EthAddress node, ulong epoch, Hash32 attestationDigest, ulong blockNumber, Hash32 blockHash, byte[] signature) => new()
    {
        Node = node.ToLowerHexString(),
        Epoch = epoch,
        AttestationDigest = attestationDigest.ToArray(),
        BlockNumber = blockNumber,
        BlockHash = blockHash.ToArray(),
        NodeSignature = signature,
    };

    internal static PostBatchFunction PostBatch(EthAddress node, Hash32 root, uint count, byte[] signature) => new()
    {
        Node = node.ToLowerHexString(),
        Root = root.ToArray(),
        Count = count,
        NodeSignature = signature,
    };

    private static VerifyReceiptFunction VerifyReceipt(
        EthAddress node, JobReceiptData receipt, ReadOnlyMemory<byte> signature, EthAddress batchNode, ulong batchIndex, IReadOnlyList<Hash32> proof) => new()
    {
        Node = node.ToLowerHexString(),
        Receipt = ReceiptStruct(receipt),
        Signature = signature.ToArray(),
        Inclusion = new Inclusion { BatchNode = batchNode.ToLowerHexString(), BatchIndex = batchIndex, Proof = [.. proof.Select(p => p.ToArray())] },
    };

    private static JobReceipt ReceiptStruct(JobReceiptData r) => new()
    {
        JobId = r.JobId.ToArray(),
        ModelHash = r.ModelHash.ToArray(),
        InputHash = r.InputHash.ToArray(),
        OutputHash = r.OutputHash.ToArray(),
        QuoteHash = r.QuoteHash.ToArray(),
        FinishedAt = r.FinishedAt,
        Backend = r.Backend,
    };

    private TransactionSender RequireSender() =>
        _sender ?? throw new InvalidOperationException("This NodeRegistryClient is read-only: create it with a TransactionSender to send transactions.");

    private byte[] SignIfRelayed(EthAddress node, EthSigner? nodeSigner, Func<Hash32> digest)
    {
        var sender = RequireSender();
        if (sender.From == node)
        {
            return [];
        }

        if (nodeSigner is null || nodeSigner.Address != node)
        {
            throw new ArgumentException($"The sender {sender.From} is not the node {node}: the node's signer is required.", nameof(nodeSigner));
        }

        return NodeRegistryTypedData.Sign(nodeSigner, digest());
    }

    private Task<NodeRegistryTransaction<TEvent>> SendAsync<TFunction, TEvent>(TFunction message, string? idempotencyKey, CancellationToken cancellationToken)
        where TFunction : FunctionMessage
        where TEvent : NodeRegistryEvent
    {
        var sender = RequireSender();
        var data = NodeRegistryCodec.Encode(message);
        return CompleteAsync<TEvent>(NodeRegistryCodec.Name<TFunction>(), () => sender.SendAsync(new TransactionRequest(Address, data) { IdempotencyKey = idempotencyKey }, cancellationToken));
    }

    private async Task<NodeRegistryTransaction<TEvent>> CompleteAsync<TEvent>(string function, Func<Task<TransactionReceipt>> send)
        where TEvent : NodeRegistryEvent
    {
        TransactionReceipt receipt;
        try
        {
            receipt = await send().ConfigureAwait(false);
        }
        catch (TransactionRevertedException ex) when (ex.RevertData is not null && TryDecodeError(ex.RevertData, ex) is { } decoded)
        {
            throw decoded;
        }

        var ev = receipt.Logs.Where(l => l.Address == Address).Select(DecodeEvent).OfType<TEvent>().FirstOrDefault()
            ?? throw new ChainException(ChainErrorReason.TransactionFailed, $"Transaction {receipt.TransactionHash} ({function}) emitted no {typeof(TEvent).Name}.");
        return new NodeRegistryTransaction<TEvent>(receipt, ev);
    }

    /// <summary>eth_call of a function declared with a single return type.</summary>
    private async Task<TValue> CallAsync<TFunction, TValue>(TFunction message, CancellationToken cancellationToken)
        where TFunction : FunctionMessage =>
        NodeRegistryCodec.DecodeReturn<TFunction, TValue>(await CallRawAsync(message, cancellationToken).ConfigureAwait(false));

    /// <summary>eth_call of a function whose output is a DTO.</summary>
    private async Task<TOutput> CallOutputAsync<TFunction, TOutput>(TFunction message, CancellationToken cancellationToken)
        where TFunction : FunctionMessage
        where TOutput : IFunctionOutputDTO, new() =>
        DecodeOutput<TFunction, TOutput>(await CallRawAsync(message, cancellationToken).ConfigureAwait(false));

    private async Task<byte[]> CallRawAsync<TFunction>(TFunction message, CancellationToken cancellationToken)
        where TFunction : FunctionMessage
    {
        byte[] output;
        try
        {
            output = await _rpc.CallAsync(new CallRequest { To = Address, Data = NodeRegistryCodec.Encode(message) }, BlockTag.Latest, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonRpcException ex) when (ex.Kind == JsonRpcErrorKind.Reverted && ex.RevertData is not null && TryDecodeError(ex.RevertData, ex) is { } decoded)
        {
            throw decoded;
        }

        return RequireOutput<TFunction>(output);
    }

    private TOutput DecodeOutput<TFunction, TOutput>(byte[] output)
        where TFunction : FunctionMessage
        where TOutput : IFunctionOutputDTO, new() =>
        NodeRegistryCodec.DecodeOutput<TFunction, TOutput>(RequireOutput<TFunction>(output));

    private byte[] RequireOutput<TFunction>(byte[] output)
        where TFunction : FunctionMessage =>
        output.Length != 0
            ? output
            : throw new ChainException(ChainErrorReason.InvalidAbi, $"{NodeRegistryCodec.Name<TFunction>()} returned nothing: is there a NodeRegistry at {Address} on chain {ChainId}?");
}
