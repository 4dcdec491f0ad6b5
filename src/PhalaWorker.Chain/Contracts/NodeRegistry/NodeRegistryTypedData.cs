using System.Numerics;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Abi;
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

    private const string DomainType = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

    private static readonly Hash32 s_domainTypeHash = Keccak256.HashUtf8(DomainType);
    private static readonly Hash32 s_registrationTypeHash = Keccak256.HashUtf8(RegistrationType);
    private static readonly Hash32 s_heartbeatTypeHash = Keccak256.HashUtf8(HeartbeatType);
    private static readonly Hash32 s_batchTypeHash = Keccak256.HashUtf8(BatchType);

    public static Hash32 DomainSeparator(ulong chainId, EthAddress registry) =>
        Keccak256.Hash(AbiEncoder.Encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [s_domainTypeHash, Keccak256.HashUtf8("PhalaWorker"), Keccak256.HashUtf8("1"), chainId, registry]));

    public static Hash32 RegistrationDigest(NodeRegistration registration, EthAddress @operator, BigInteger nonce, ulong chainId, EthAddress registry)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var structHash = Keccak256.Hash(AbiEncoder.Encode(
            ["bytes32", "address", "address", "bytes32", "bytes32", "uint8", "bytes32", "bytes32", "bytes32", "bytes32", "address", "uint256"],
            [
                s_registrationTypeHash, registration.Node, @operator, registration.HpkePublicKey, Keccak256.HashUtf8(registration.Endpoint),
                (int)registration.TeeType, registration.QuoteHash, registration.MrtdHash, registration.RtmrDigest, registration.ReportDataHash,
                registration.Predecessor, nonce,
            ]));
        return TypedDataHash(chainId, registry, structHash);
    }

    /// <summary>
    /// The heartbeat a node signs: bound to its registration (<paramref name="epoch"/>) and to a recent block (number and
    /// hash, one of the last 256 when the heartbeat is mined), so it can neither be replayed after a re-registration nor
    /// signed ahead of time.
    /// </summary>
    public static Hash32 HeartbeatDigest(EthAddress node, ulong epoch, Hash32 attestationDigest, ulong blockNumber, Hash32 blockHash, ulong chainId, EthAddress registry) =>
        TypedDataHash(chainId, registry, Keccak256.Hash(AbiEncoder.Encode(
            ["bytes32", "address", "uint64", "bytes32", "uint64", "bytes32"], [s_heartbeatTypeHash, node, epoch, attestationDigest, blockNumber, blockHash])));

    public static Hash32 BatchDigest(EthAddress node, ulong batchIndex, Hash32 root, uint count, ulong chainId, EthAddress registry) =>
        TypedDataHash(chainId, registry, Keccak256.Hash(AbiEncoder.Encode(
            ["bytes32", "address", "uint256", "bytes32", "uint32"], [s_batchTypeHash, node, batchIndex, root, count])));

    /// <summary>The node's 65-byte signature (r‖s‖v, v = 27/28) over a digest.</summary>
    public static byte[] Sign(EthSigner nodeSigner, Hash32 digest)
    {
        ArgumentNullException.ThrowIfNull(nodeSigner);
        return nodeSigner.SignHash(digest).ToBytes65();
    }

    private static Hash32 TypedDataHash(ulong chainId, EthAddress registry, Hash32 structHash)
    {
        Span<byte> buffer = stackalloc byte[66];
        buffer[0] = 0x19;
        buffer[1] = 0x01;
        DomainSeparator(chainId, registry).CopyTo(buffer[2..34]);
        structHash.CopyTo(buffer[34..]);
        return Keccak256.Hash(buffer);
    }
}
