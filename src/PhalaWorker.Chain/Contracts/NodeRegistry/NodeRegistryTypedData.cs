using System.Numerics;
using PhalaWorker.Chain.Primitives;
using Nethereum.ABI.EIP712;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>
/// The EIP-712 messages a node signs for the registry, computed off-chain exactly as the contract does. Domain:
/// {name "PhalaWorker", version "1", chainId, verifyingContract = registry} (the JobReceipt domain too).
/// </summary>
public static class NodeRegistryTypedData
{
    public const string RegistrationType =
        "NodeRegistration(address node,address operator,bytes32 hpkePublicKey,string endpoint,uint8 teeType,bytes32 quoteHash,bytes32 mrtdHash,bytes32 rtmrDigest,bytes32 reportDataHash,address predecessor,uint256 nonce)";

    public const string HeartbeatType = "NodeHeartbeat(address node,uint64 epoch,bytes32 attestationDigest,uint64 blockNumber,bytes32 blockHash)";

    public const string BatchType = "ResultBatch(address node,uint256 batchIndex,bytes32 root,uint32 count)";

    public static Hash32 DomainSeparator(ulong chainId, EthAddress registry) => JobReceiptTypedData.DomainSeparator(chainId, registry);

    public static Hash32 RegistrationDigest(NodeRegistration registration, EthAddress @operator, BigInteger nonce, ulong chainId, EthAddress registry)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return Hash(chainId, registry, "NodeRegistration",
        [
            ("node", "address", registration.Node.ToString()), ("operator", "address", @operator.ToString()),
            ("hpkePublicKey", "bytes32", registration.HpkePublicKey.ToArray()), ("endpoint", "string", registration.Endpoint),
            ("teeType", "uint8", new BigInteger((int)registration.TeeType)), ("quoteHash", "bytes32", registration.QuoteHash.ToArray()),
            ("mrtdHash", "bytes32", registration.MrtdHash.ToArray()), ("rtmrDigest", "bytes32", registration.RtmrDigest.ToArray()),
            ("reportDataHash", "bytes32", registration.ReportDataHash.ToArray()), ("predecessor", "address", registration.Predecessor.ToString()),
            ("nonce", "uint256", nonce),
        ]);
    }

    /// <summary>
    /// The heartbeat a node signs: bound to its registration (<paramref name="epoch"/>) and to a recent block (number and
    /// hash, one of the last 256 when the heartbeat is mined), so it can neither be replayed after a re-registration nor
    /// signed ahead of time.
    /// </summary>
    public static Hash32 HeartbeatDigest(EthAddress node, ulong epoch, Hash32 attestationDigest, ulong blockNumber, Hash32 blockHash, ulong chainId, EthAddress registry) =>
        Hash(chainId, registry, "NodeHeartbeat",
        [
            ("node", "address", node.ToString()), ("epoch", "uint64", new BigInteger(epoch)), ("attestationDigest", "bytes32", attestationDigest.ToArray()),
            ("blockNumber", "uint64", new BigInteger(blockNumber)), ("blockHash", "bytes32", blockHash.ToArray()),
        ]);

    public static Hash32 BatchDigest(EthAddress node, ulong batchIndex, Hash32 root, uint count, ulong chainId, EthAddress registry) =>
        Hash(chainId, registry, "ResultBatch",
        [
            ("node", "address", node.ToString()), ("batchIndex", "uint256", new BigInteger(batchIndex)), ("root", "bytes32", root.ToArray()),
            ("count", "uint32", new BigInteger(count)),
        ]);

    /// <summary>The node's 65-byte signature (r‖s‖v, v = 27/28) over a digest.</summary>
    public static byte[] Sign(EthSigner nodeSigner, Hash32 digest)
    {
        ArgumentNullException.ThrowIfNull(nodeSigner);
        return nodeSigner.SignHash(digest).ToBytes65();
    }

    // Registration, heartbeat and batch messages are rare (not per job): they go through Nethereum's generic EIP-712 encoder.
    private static Hash32 Hash(ulong chainId, EthAddress registry, string primaryType, (string Name, string Type, object Value)[] members)
    {
        var typedData = new TypedDataRaw
        {
            Types = new Dictionary<string, MemberDescription[]>(StringComparer.Ordinal)
            {
                [TypedDataHashing.DomainTypeName] = JobReceiptTypedData.Types[TypedDataHashing.DomainTypeName],
                [primaryType] = [.. members.Select(m => new MemberDescription { Name = m.Name, Type = m.Type })],
            },
            PrimaryType = primaryType,
            DomainRawValues = JobReceiptTypedData.Domain(chainId, registry),
            Message = [.. members.Select(m => new MemberValue { TypeName = m.Type, Value = m.Value })],
        };
        return TypedDataHashing.Hash(typedData);
    }
}
