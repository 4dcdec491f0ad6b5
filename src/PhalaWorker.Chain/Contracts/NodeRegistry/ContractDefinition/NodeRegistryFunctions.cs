using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;

/// <summary><c>BATCH_TYPEHASH</c> (view).</summary>
[Function("BATCH_TYPEHASH", "bytes32")]
internal sealed class BatchTypehashFunction : FunctionMessage
{
}

/// <summary><c>HEARTBEAT_BLOCK_WINDOW</c> (view).</summary>
[Function("HEARTBEAT_BLOCK_WINDOW", "uint256")]
internal sealed class HeartbeatBlockWindowFunction : FunctionMessage
{
}

/// <summary><c>HEARTBEAT_TYPEHASH</c> (view).</summary>
[Function("HEARTBEAT_TYPEHASH", "bytes32")]
internal sealed class HeartbeatTypehashFunction : FunctionMessage
{
}

/// <summary><c>MAX_BATCH_SIZE</c> (view).</summary>
[Function("MAX_BATCH_SIZE", "uint32")]
internal sealed class MaxBatchSizeFunction : FunctionMessage
{
}

/// <summary><c>MAX_ENDPOINT_LENGTH</c> (view).</summary>
[Function("MAX_ENDPOINT_LENGTH", "uint256")]
internal sealed class MaxEndpointLengthFunction : FunctionMessage
{
}

/// <summary><c>MAX_PROFILE_SETTINGS</c> (view).</summary>
[Function("MAX_PROFILE_SETTINGS", "uint256")]
internal sealed class MaxProfileSettingsFunction : FunctionMessage
{
}

/// <summary><c>MAX_PROFILE_STRING_LENGTH</c> (view).</summary>
[Function("MAX_PROFILE_STRING_LENGTH", "uint256")]
internal sealed class MaxProfileStringLengthFunction : FunctionMessage
{
}

/// <summary><c>MAX_SUCCESSION_DEPTH</c> (view).</summary>
[Function("MAX_SUCCESSION_DEPTH", "uint256")]
internal sealed class MaxSuccessionDepthFunction : FunctionMessage
{
}

/// <summary><c>RECEIPT_TYPEHASH</c> (view).</summary>
[Function("RECEIPT_TYPEHASH", "bytes32")]
internal sealed class ReceiptTypehashFunction : FunctionMessage
{
}

/// <summary><c>REGISTRATION_TYPEHASH</c> (view).</summary>
[Function("REGISTRATION_TYPEHASH", "bytes32")]
internal sealed class RegistrationTypehashFunction : FunctionMessage
{
}

/// <summary><c>allowMeasurements</c> (nonpayable).</summary>
[Function("allowMeasurements", "bytes32")]
internal sealed class AllowMeasurementsFunction : FunctionMessage
{
    [Parameter("tuple", "p", 1)]
    public MeasurementProfile P { get; set; } = new();
}

/// <summary><c>batchCount</c> (view).</summary>
[Function("batchCount", "uint256")]
internal sealed class BatchCountFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;
}

/// <summary><c>batchDigest</c> (view).</summary>
[Function("batchDigest", "bytes32")]
internal sealed class BatchDigestFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;

    [Parameter("uint256", "batchIndex", 2)]
    public BigInteger BatchIndex { get; set; }

    [Parameter("bytes32", "root", 3)]
    public byte[] Root { get; set; } = [];

    [Parameter("uint32", "count", 4)]
    public uint Count { get; set; }
}

/// <summary><c>deregister</c> (nonpayable).</summary>
[Function("deregister")]
internal sealed class DeregisterFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;
}

/// <summary><c>domainSeparator</c> (view).</summary>
[Function("domainSeparator", "bytes32")]
internal sealed class DomainSeparatorFunction : FunctionMessage
{
}

/// <summary><c>getBatch</c> (view).</summary>
[Function("getBatch", typeof(GetBatchOutputDTO))]
internal sealed class GetBatchFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;

    [Parameter("uint256", "batchIndex", 2)]
    public BigInteger BatchIndex { get; set; }
}

/// <summary><c>getMeasurements</c> (view).</summary>
[Function("getMeasurements", typeof(GetMeasurementsOutputDTO))]
internal sealed class GetMeasurementsFunction : FunctionMessage
{
    [Parameter("bytes32", "profileId", 1)]
    public byte[] ProfileId { get; set; } = [];
}

/// <summary><c>getNode</c> (view).</summary>
[Function("getNode", typeof(GetNodeOutputDTO))]
internal sealed class GetNodeFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;
}

/// <summary><c>hashReceipt</c> (view).</summary>
[Function("hashReceipt", "bytes32")]
internal sealed class HashReceiptFunction : FunctionMessage
{
    [Parameter("tuple", "r", 1)]
    public JobReceipt R { get; set; } = new();
}

/// <summary><c>heartbeat</c> (nonpayable).</summary>
[Function("heartbeat")]
internal sealed class HeartbeatFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;

    [Parameter("uint64", "epoch", 2)]
    public ulong Epoch { get; set; }

    [Parameter("bytes32", "attestationDigest", 3)]
    public byte[] AttestationDigest { get; set; } = [];

    [Parameter("uint64", "blockNumber", 4)]
    public ulong BlockNumber { get; set; }

    [Parameter("bytes32", "blockHash", 5)]
    public byte[] BlockHash { get; set; } = [];

    [Parameter("bytes", "nodeSignature", 6)]
    public byte[] NodeSignature { get; set; } = [];
}

/// <summary><c>heartbeatDigest</c> (view).</summary>
[Function("heartbeatDigest", "bytes32")]
internal sealed class HeartbeatDigestFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;

    [Parameter("uint64", "epoch", 2)]
    public ulong Epoch { get; set; }

    [Parameter("bytes32", "attestationDigest", 3)]
    public byte[] AttestationDigest { get; set; } = [];

    [Parameter("uint64", "blockNumber", 4)]
    public ulong BlockNumber { get; set; }

    [Parameter("bytes32", "blockHash", 5)]
    public byte[] BlockHash { get; set; } = [];
}

/// <summary><c>isActive</c> (view).</summary>
[Function("isActive", "bool")]
internal sealed class IsActiveFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;
}

/// <summary><c>isMeasurementAllowed</c> (view).</summary>
[Function("isMeasurementAllowed", "bool")]
internal sealed class IsMeasurementAllowedFunction : FunctionMessage
{
    [Parameter("bytes32", "profileId", 1)]
    public byte[] ProfileId { get; set; } = [];
}

/// <summary><c>leafHash</c> (pure).</summary>
[Function("leafHash", "bytes32")]
internal sealed class LeafHashFunction : FunctionMessage
{
    [Parameter("bytes32", "receiptDigest", 1)]
    public byte[] ReceiptDigest { get; set; } = [];
}

/// <summary><c>listMeasurements</c> (view).</summary>
[Function("listMeasurements", "bytes32[]")]
internal sealed class ListMeasurementsFunction : FunctionMessage
{
    [Parameter("uint256", "offset", 1)]
    public BigInteger Offset { get; set; }

    [Parameter("uint256", "limit", 2)]
    public BigInteger Limit { get; set; }
}

/// <summary><c>listNodes</c> (view).</summary>
[Function("listNodes", "address[]")]
internal sealed class ListNodesFunction : FunctionMessage
{
    [Parameter("uint256", "offset", 1)]
    public BigInteger Offset { get; set; }

    [Parameter("uint256", "limit", 2)]
    public BigInteger Limit { get; set; }
}

/// <summary><c>measurementCount</c> (view).</summary>
[Function("measurementCount", "uint256")]
internal sealed class MeasurementCountFunction : FunctionMessage
{
}

/// <summary><c>measurementProfileId</c> (pure).</summary>
[Function("measurementProfileId", "bytes32")]
internal sealed class MeasurementProfileIdFunction : FunctionMessage
{
    [Parameter("tuple", "p", 1)]
    public MeasurementProfile P { get; set; } = new();
}

/// <summary><c>nodeCount</c> (view).</summary>
[Function("nodeCount", "uint256")]
internal sealed class NodeCountFunction : FunctionMessage
{
}

/// <summary><c>owner</c> (view).</summary>
[Function("owner", "address")]
internal sealed class OwnerFunction : FunctionMessage
{
}

/// <summary><c>postBatch</c> (nonpayable).</summary>
[Function("postBatch", "uint256")]
internal sealed class PostBatchFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;

    [Parameter("bytes32", "root", 2)]
    public byte[] Root { get; set; } = [];

    [Parameter("uint32", "count", 3)]
    public uint Count { get; set; }

    [Parameter("bytes", "nodeSignature", 4)]
    public byte[] NodeSignature { get; set; } = [];
}

/// <summary><c>processProof</c> (pure).</summary>
[Function("processProof", "bytes32")]
internal sealed class ProcessProofFunction : FunctionMessage
{
    [Parameter("bytes32[]", "proof", 1)]
    public List<byte[]> Proof { get; set; } = [];

    [Parameter("bytes32", "receiptDigest", 2)]
    public byte[] ReceiptDigest { get; set; } = [];
}

/// <summary><c>registerNode</c> (nonpayable).</summary>
[Function("registerNode")]
internal sealed class RegisterNodeFunction : FunctionMessage
{
    [Parameter("tuple", "r", 1)]
    public Registration R { get; set; } = new();

    [Parameter("bytes", "nodeSignature", 2)]
    public byte[] NodeSignature { get; set; } = [];
}

/// <summary><c>registrationDigest</c> (view).</summary>
[Function("registrationDigest", "bytes32")]
internal sealed class RegistrationDigestFunction : FunctionMessage
{
    [Parameter("tuple", "r", 1)]
    public Registration R { get; set; } = new();

    [Parameter("address", "operator", 2)]
    public string Operator { get; set; } = string.Empty;

    [Parameter("uint256", "nonce", 3)]
    public BigInteger RegistrationNonce { get; set; }
}

/// <summary><c>registrationNonce</c> (view).</summary>
[Function("registrationNonce", "uint256")]
internal sealed class RegistrationNonceFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;
}

/// <summary><c>retireNode</c> (nonpayable).</summary>
[Function("retireNode")]
internal sealed class RetireNodeFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;
}

/// <summary><c>revokeMeasurements</c> (nonpayable).</summary>
[Function("revokeMeasurements")]
internal sealed class RevokeMeasurementsFunction : FunctionMessage
{
    [Parameter("bytes32", "profileId", 1)]
    public byte[] ProfileId { get; set; } = [];
}

/// <summary><c>transferOwnership</c> (nonpayable).</summary>
[Function("transferOwnership")]
internal sealed class TransferOwnershipFunction : FunctionMessage
{
    [Parameter("address", "newOwner", 1)]
    public string NewOwner { get; set; } = string.Empty;
}

/// <summary><c>verifyReceipt</c> (view).</summary>
[Function("verifyReceipt", "bool")]
internal sealed class VerifyReceiptFunction : FunctionMessage
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;

    [Parameter("tuple", "receipt", 2)]
    public JobReceipt Receipt { get; set; } = new();

    [Parameter("bytes", "signature", 3)]
    public byte[] Signature { get; set; } = [];

    [Parameter("tuple", "inclusion", 4)]
    public Inclusion Inclusion { get; set; } = new();
}
