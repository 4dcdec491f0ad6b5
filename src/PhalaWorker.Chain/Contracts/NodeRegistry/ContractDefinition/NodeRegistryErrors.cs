using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;

/// <summary>Custom error <c>BatchNotFound</c>.</summary>
[Error("BatchNotFound")]
internal sealed class BatchNotFoundError : NodeRegistryCustomError
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;

    [Parameter("uint256", "batchIndex", 2)]
    public BigInteger BatchIndex { get; set; }

    public override NodeRegistryError Error => NodeRegistryError.BatchNotFound;

    public override IReadOnlyList<object?> Arguments => [Address(Node), BatchIndex];
}

/// <summary>Custom error <c>EmptyEndpoint</c>.</summary>
[Error("EmptyEndpoint")]
internal sealed class EmptyEndpointError : NodeRegistryCustomError
{
    public override NodeRegistryError Error => NodeRegistryError.EmptyEndpoint;

    public override IReadOnlyList<object?> Arguments => [];
}

/// <summary>Custom error <c>EmptyRoot</c>.</summary>
[Error("EmptyRoot")]
internal sealed class EmptyRootError : NodeRegistryCustomError
{
    public override NodeRegistryError Error => NodeRegistryError.EmptyRoot;

    public override IReadOnlyList<object?> Arguments => [];
}

/// <summary>Custom error <c>EndpointTooLong</c>.</summary>
[Error("EndpointTooLong")]
internal sealed class EndpointTooLongError : NodeRegistryCustomError
{
    [Parameter("uint256", "length", 1)]
    public BigInteger Length { get; set; }

    public override NodeRegistryError Error => NodeRegistryError.EndpointTooLong;

    public override IReadOnlyList<object?> Arguments => [Length];
}

/// <summary>Custom error <c>InvalidBatchSize</c>.</summary>
[Error("InvalidBatchSize")]
internal sealed class InvalidBatchSizeError : NodeRegistryCustomError
{
    [Parameter("uint32", "count", 1)]
    public uint Count { get; set; }

    public override NodeRegistryError Error => NodeRegistryError.InvalidBatchSize;

    public override IReadOnlyList<object?> Arguments => [new BigInteger(Count)];
}

/// <summary>Custom error <c>InvalidMeasurement</c>.</summary>
[Error("InvalidMeasurement")]
internal sealed class InvalidMeasurementError : NodeRegistryCustomError
{
    [Parameter("string", "field", 1)]
    public string Field { get; set; } = string.Empty;

    public override NodeRegistryError Error => NodeRegistryError.InvalidMeasurement;

    public override IReadOnlyList<object?> Arguments => [Field];
}

/// <summary>Custom error <c>InvalidPredecessor</c>.</summary>
[Error("InvalidPredecessor")]
internal sealed class InvalidPredecessorError : NodeRegistryCustomError
{
    [Parameter("address", "predecessor", 1)]
    public string Predecessor { get; set; } = string.Empty;

    [Parameter("address", "node", 2)]
    public string Node { get; set; } = string.Empty;

    public override NodeRegistryError Error => NodeRegistryError.InvalidPredecessor;

    public override IReadOnlyList<object?> Arguments => [Address(Predecessor), Address(Node)];
}

/// <summary>Custom error <c>InvalidSignature</c>.</summary>
[Error("InvalidSignature")]
internal sealed class InvalidSignatureError : NodeRegistryCustomError
{
    public override NodeRegistryError Error => NodeRegistryError.InvalidSignature;

    public override IReadOnlyList<object?> Arguments => [];
}

/// <summary>Custom error <c>MeasurementsAlreadyAllowed</c>.</summary>
[Error("MeasurementsAlreadyAllowed")]
internal sealed class MeasurementsAlreadyAllowedError : NodeRegistryCustomError
{
    [Parameter("bytes32", "profileId", 1)]
    public byte[] ProfileId { get; set; } = [];

    public override NodeRegistryError Error => NodeRegistryError.MeasurementsAlreadyAllowed;

    public override IReadOnlyList<object?> Arguments => [Hash(ProfileId)];
}

/// <summary>Custom error <c>MeasurementsNotAllowed</c>.</summary>
[Error("MeasurementsNotAllowed")]
internal sealed class MeasurementsNotAllowedError : NodeRegistryCustomError
{
    [Parameter("bytes32", "profileId", 1)]
    public byte[] ProfileId { get; set; } = [];

    public override NodeRegistryError Error => NodeRegistryError.MeasurementsNotAllowed;

    public override IReadOnlyList<object?> Arguments => [Hash(ProfileId)];
}

/// <summary>Custom error <c>NodeAlreadyActive</c>.</summary>
[Error("NodeAlreadyActive")]
internal sealed class NodeAlreadyActiveError : NodeRegistryCustomError
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;

    public override NodeRegistryError Error => NodeRegistryError.NodeAlreadyActive;

    public override IReadOnlyList<object?> Arguments => [Address(Node)];
}

/// <summary>Custom error <c>NodeIsRetired</c>.</summary>
[Error("NodeIsRetired")]
internal sealed class NodeIsRetiredError : NodeRegistryCustomError
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;

    public override NodeRegistryError Error => NodeRegistryError.NodeIsRetired;

    public override IReadOnlyList<object?> Arguments => [Address(Node)];
}

/// <summary>Custom error <c>NodeNotActive</c>.</summary>
[Error("NodeNotActive")]
internal sealed class NodeNotActiveError : NodeRegistryCustomError
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;

    public override NodeRegistryError Error => NodeRegistryError.NodeNotActive;

    public override IReadOnlyList<object?> Arguments => [Address(Node)];
}

/// <summary>Custom error <c>NotOperatorOrNode</c>.</summary>
[Error("NotOperatorOrNode")]
internal sealed class NotOperatorOrNodeError : NodeRegistryCustomError
{
    [Parameter("address", "caller", 1)]
    public string Caller { get; set; } = string.Empty;

    [Parameter("address", "node", 2)]
    public string Node { get; set; } = string.Empty;

    public override NodeRegistryError Error => NodeRegistryError.NotOperatorOrNode;

    public override IReadOnlyList<object?> Arguments => [Address(Caller), Address(Node)];
}

/// <summary>Custom error <c>NotOwner</c>.</summary>
[Error("NotOwner")]
internal sealed class NotOwnerError : NodeRegistryCustomError
{
    [Parameter("address", "caller", 1)]
    public string Caller { get; set; } = string.Empty;

    public override NodeRegistryError Error => NodeRegistryError.NotOwner;

    public override IReadOnlyList<object?> Arguments => [Address(Caller)];
}

/// <summary>Custom error <c>PredecessorHasSuccessor</c>.</summary>
[Error("PredecessorHasSuccessor")]
internal sealed class PredecessorHasSuccessorError : NodeRegistryCustomError
{
    [Parameter("address", "predecessor", 1)]
    public string Predecessor { get; set; } = string.Empty;

    [Parameter("address", "successor", 2)]
    public string Successor { get; set; } = string.Empty;

    public override NodeRegistryError Error => NodeRegistryError.PredecessorHasSuccessor;

    public override IReadOnlyList<object?> Arguments => [Address(Predecessor), Address(Successor)];
}

/// <summary>Custom error <c>PredecessorNotOperated</c>.</summary>
[Error("PredecessorNotOperated")]
internal sealed class PredecessorNotOperatedError : NodeRegistryCustomError
{
    [Parameter("address", "predecessor", 1)]
    public string Predecessor { get; set; } = string.Empty;

    [Parameter("address", "operator", 2)]
    public string Operator { get; set; } = string.Empty;

    public override NodeRegistryError Error => NodeRegistryError.PredecessorNotOperated;

    public override IReadOnlyList<object?> Arguments => [Address(Predecessor), Address(Operator)];
}

/// <summary>Custom error <c>StaleHeartbeat</c>.</summary>
[Error("StaleHeartbeat")]
internal sealed class StaleHeartbeatError : NodeRegistryCustomError
{
    [Parameter("uint64", "blockNumber", 1)]
    public ulong BlockNumber { get; set; }

    [Parameter("uint64", "lastBlock", 2)]
    public ulong LastBlock { get; set; }

    public override NodeRegistryError Error => NodeRegistryError.StaleHeartbeat;

    public override IReadOnlyList<object?> Arguments => [new BigInteger(BlockNumber), new BigInteger(LastBlock)];
}

/// <summary>Custom error <c>UnknownBlock</c>.</summary>
[Error("UnknownBlock")]
internal sealed class UnknownBlockError : NodeRegistryCustomError
{
    [Parameter("uint64", "blockNumber", 1)]
    public ulong BlockNumber { get; set; }

    [Parameter("bytes32", "blockHash", 2)]
    public byte[] BlockHash { get; set; } = [];

    public override NodeRegistryError Error => NodeRegistryError.UnknownBlock;

    public override IReadOnlyList<object?> Arguments => [new BigInteger(BlockNumber), Hash(BlockHash)];
}

/// <summary>Custom error <c>WrongEpoch</c>.</summary>
[Error("WrongEpoch")]
internal sealed class WrongEpochError : NodeRegistryCustomError
{
    [Parameter("uint64", "epoch", 1)]
    public ulong Epoch { get; set; }

    [Parameter("uint64", "current", 2)]
    public ulong Current { get; set; }

    public override NodeRegistryError Error => NodeRegistryError.WrongEpoch;

    public override IReadOnlyList<object?> Arguments => [new BigInteger(Epoch), new BigInteger(Current)];
}

/// <summary>Custom error <c>WrongSigner</c>.</summary>
[Error("WrongSigner")]
internal sealed class WrongSignerError : NodeRegistryCustomError
{
    [Parameter("address", "expected", 1)]
    public string Expected { get; set; } = string.Empty;

    [Parameter("address", "recovered", 2)]
    public string Recovered { get; set; } = string.Empty;

    public override NodeRegistryError Error => NodeRegistryError.WrongSigner;

    public override IReadOnlyList<object?> Arguments => [Address(Expected), Address(Recovered)];
}

/// <summary>Custom error <c>ZeroAddress</c>.</summary>
[Error("ZeroAddress")]
internal sealed class ZeroAddressError : NodeRegistryCustomError
{
    public override NodeRegistryError Error => NodeRegistryError.ZeroAddress;

    public override IReadOnlyList<object?> Arguments => [];
}
