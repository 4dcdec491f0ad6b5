using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;

/// <summary>Event <c>BatchPosted</c>.</summary>
[Event("BatchPosted")]
internal sealed class BatchPostedEventDTO : IEventDTO
{
    [Parameter("address", "node", 1, true)]
    public string Node { get; set; } = string.Empty;

    [Parameter("uint256", "batchIndex", 2, true)]
    public BigInteger BatchIndex { get; set; }

    [Parameter("bytes32", "root", 3)]
    public byte[] Root { get; set; } = [];

    [Parameter("uint32", "count", 4)]
    public uint Count { get; set; }
}

/// <summary>Event <c>MeasurementsAllowed</c>.</summary>
[Event("MeasurementsAllowed")]
internal sealed class MeasurementsAllowedEventDTO : IEventDTO
{
    [Parameter("bytes32", "profileId", 1, true)]
    public byte[] ProfileId { get; set; } = [];

    [Parameter("string", "name", 2)]
    public string Name { get; set; } = string.Empty;
}

/// <summary>Event <c>MeasurementsRevoked</c>.</summary>
[Event("MeasurementsRevoked")]
internal sealed class MeasurementsRevokedEventDTO : IEventDTO
{
    [Parameter("bytes32", "profileId", 1, true)]
    public byte[] ProfileId { get; set; } = [];
}

/// <summary>Event <c>NodeDeregistered</c>.</summary>
[Event("NodeDeregistered")]
internal sealed class NodeDeregisteredEventDTO : IEventDTO
{
    [Parameter("address", "node", 1, true)]
    public string Node { get; set; } = string.Empty;

    [Parameter("address", "by", 2, true)]
    public string By { get; set; } = string.Empty;
}

/// <summary>Event <c>NodeHeartbeat</c>.</summary>
[Event("NodeHeartbeat")]
internal sealed class NodeHeartbeatEventDTO : IEventDTO
{
    [Parameter("address", "node", 1, true)]
    public string Node { get; set; } = string.Empty;

    [Parameter("uint64", "epoch", 2)]
    public ulong Epoch { get; set; }

    [Parameter("bytes32", "attestationDigest", 3)]
    public byte[] AttestationDigest { get; set; } = [];

    [Parameter("uint64", "blockNumber", 4)]
    public ulong BlockNumber { get; set; }
}

/// <summary>Event <c>NodeRegistered</c>.</summary>
[Event("NodeRegistered")]
internal sealed class NodeRegisteredEventDTO : IEventDTO
{
    [Parameter("address", "node", 1, true)]
    public string Node { get; set; } = string.Empty;

    [Parameter("address", "operator", 2, true)]
    public string Operator { get; set; } = string.Empty;

    [Parameter("bytes32", "hpkePublicKey", 3)]
    public byte[] HpkePublicKey { get; set; } = [];

    [Parameter("string", "endpoint", 4)]
    public string Endpoint { get; set; } = string.Empty;

    [Parameter("uint8", "teeType", 5)]
    public byte TeeType { get; set; }

    [Parameter("bytes32", "quoteHash", 6)]
    public byte[] QuoteHash { get; set; } = [];

    [Parameter("bytes32", "mrtdHash", 7)]
    public byte[] MrtdHash { get; set; } = [];

    [Parameter("bytes32", "rtmrDigest", 8)]
    public byte[] RtmrDigest { get; set; } = [];

    [Parameter("bytes32", "reportDataHash", 9)]
    public byte[] ReportDataHash { get; set; } = [];
}

/// <summary>Event <c>NodeRetired</c>.</summary>
[Event("NodeRetired")]
internal sealed class NodeRetiredEventDTO : IEventDTO
{
    [Parameter("address", "node", 1, true)]
    public string Node { get; set; } = string.Empty;

    [Parameter("address", "by", 2, true)]
    public string By { get; set; } = string.Empty;

    [Parameter("address", "successor", 3)]
    public string Successor { get; set; } = string.Empty;
}

/// <summary>Event <c>OwnershipTransferred</c>.</summary>
[Event("OwnershipTransferred")]
internal sealed class OwnershipTransferredEventDTO : IEventDTO
{
    [Parameter("address", "previousOwner", 1, true)]
    public string PreviousOwner { get; set; } = string.Empty;

    [Parameter("address", "newOwner", 2, true)]
    public string NewOwner { get; set; } = string.Empty;
}
