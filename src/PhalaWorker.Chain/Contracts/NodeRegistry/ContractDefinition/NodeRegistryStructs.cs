using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;

/// <summary>The contract's <c>Batch</c> struct.</summary>
internal sealed class Batch
{
    [Parameter("bytes32", "root", 1)]
    public byte[] Root { get; set; } = [];

    [Parameter("uint32", "count", 2)]
    public uint Count { get; set; }

    [Parameter("uint64", "postedAt", 3)]
    public ulong PostedAt { get; set; }
}

/// <summary>The contract's <c>Inclusion</c> struct.</summary>
internal sealed class Inclusion
{
    [Parameter("address", "batchNode", 1)]
    public string BatchNode { get; set; } = string.Empty;

    [Parameter("uint256", "batchIndex", 2)]
    public BigInteger BatchIndex { get; set; }

    [Parameter("bytes32[]", "proof", 3)]
    public List<byte[]> Proof { get; set; } = [];
}

/// <summary>The contract's <c>JobReceipt</c> struct.</summary>
internal sealed class JobReceipt
{
    [Parameter("bytes32", "jobId", 1)]
    public byte[] JobId { get; set; } = [];

    [Parameter("bytes32", "modelHash", 2)]
    public byte[] ModelHash { get; set; } = [];

    [Parameter("bytes32", "inputHash", 3)]
    public byte[] InputHash { get; set; } = [];

    [Parameter("bytes32", "outputHash", 4)]
    public byte[] OutputHash { get; set; } = [];

    [Parameter("bytes32", "quoteHash", 5)]
    public byte[] QuoteHash { get; set; } = [];

    [Parameter("uint64", "finishedAt", 6)]
    public ulong FinishedAt { get; set; }

    [Parameter("string", "backend", 7)]
    public string Backend { get; set; } = string.Empty;
}

/// <summary>The contract's <c>MeasurementProfile</c> struct.</summary>
internal sealed class MeasurementProfile
{
    [Parameter("string", "name", 1)]
    public string Name { get; set; } = string.Empty;

    [Parameter("bytes", "mrTd", 2)]
    public byte[] MrTd { get; set; } = [];

    [Parameter("bytes", "rtmr0", 3)]
    public byte[] Rtmr0 { get; set; } = [];

    [Parameter("bytes", "rtmr1", 4)]
    public byte[] Rtmr1 { get; set; } = [];

    [Parameter("bytes", "rtmr2", 5)]
    public byte[] Rtmr2 { get; set; } = [];

    [Parameter("bytes32", "agentDigest", 6)]
    public byte[] AgentDigest { get; set; } = [];

    [Parameter("string[]", "settingNames", 7)]
    public List<string> SettingNames { get; set; } = [];

    [Parameter("string[]", "settingValues", 8)]
    public List<string> SettingValues { get; set; } = [];
}

/// <summary>The contract's <c>Node</c> struct.</summary>
internal sealed class Node
{
    [Parameter("address", "operator", 1)]
    public string Operator { get; set; } = string.Empty;

    [Parameter("uint8", "teeType", 2)]
    public byte TeeType { get; set; }

    [Parameter("bool", "active", 3)]
    public bool Active { get; set; }

    [Parameter("bool", "retired", 4)]
    public bool Retired { get; set; }

    [Parameter("uint64", "registeredAt", 5)]
    public ulong RegisteredAt { get; set; }

    [Parameter("uint64", "lastHeartbeat", 6)]
    public ulong LastHeartbeat { get; set; }

    [Parameter("uint64", "heartbeatBlock", 7)]
    public ulong HeartbeatBlock { get; set; }

    [Parameter("uint64", "batchCount", 8)]
    public ulong BatchCount { get; set; }

    [Parameter("uint64", "epoch", 9)]
    public ulong Epoch { get; set; }

    [Parameter("address", "predecessor", 10)]
    public string Predecessor { get; set; } = string.Empty;

    [Parameter("uint64", "retiredAt", 11)]
    public ulong RetiredAt { get; set; }

    [Parameter("address", "successor", 12)]
    public string Successor { get; set; } = string.Empty;

    [Parameter("bytes32", "hpkePublicKey", 13)]
    public byte[] HpkePublicKey { get; set; } = [];

    [Parameter("bytes32", "quoteHash", 14)]
    public byte[] QuoteHash { get; set; } = [];

    [Parameter("bytes32", "mrtdHash", 15)]
    public byte[] MrtdHash { get; set; } = [];

    [Parameter("bytes32", "rtmrDigest", 16)]
    public byte[] RtmrDigest { get; set; } = [];

    [Parameter("bytes32", "reportDataHash", 17)]
    public byte[] ReportDataHash { get; set; } = [];

    [Parameter("bytes32", "attestationDigest", 18)]
    public byte[] AttestationDigest { get; set; } = [];

    [Parameter("string", "endpoint", 19)]
    public string Endpoint { get; set; } = string.Empty;
}

/// <summary>The contract's <c>Registration</c> struct.</summary>
internal sealed class Registration
{
    [Parameter("address", "node", 1)]
    public string Node { get; set; } = string.Empty;

    [Parameter("bytes32", "hpkePublicKey", 2)]
    public byte[] HpkePublicKey { get; set; } = [];

    [Parameter("string", "endpoint", 3)]
    public string Endpoint { get; set; } = string.Empty;

    [Parameter("uint8", "teeType", 4)]
    public byte TeeType { get; set; }

    [Parameter("bytes32", "quoteHash", 5)]
    public byte[] QuoteHash { get; set; } = [];

    [Parameter("bytes32", "mrtdHash", 6)]
    public byte[] MrtdHash { get; set; } = [];

    [Parameter("bytes32", "rtmrDigest", 7)]
    public byte[] RtmrDigest { get; set; } = [];

    [Parameter("bytes32", "reportDataHash", 8)]
    public byte[] ReportDataHash { get; set; } = [];

    [Parameter("address", "predecessor", 9)]
    public string Predecessor { get; set; } = string.Empty;
}
