using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>A node as stored by the registry (<c>getNode</c>). <see cref="LastHeartbeat"/> is the last heartbeat's issuedAt (0 = none).</summary>
public sealed record NodeInfo(
    EthAddress Node,
    EthAddress Operator,
    byte TeeType,
    bool Active,
    ulong RegisteredAt,
    ulong LastHeartbeat,
    ulong BatchCount,
    Hash32 HpkePublicKey,
    Hash32 QuoteHash,
    Hash32 MrtdHash,
    Hash32 RtmrDigest,
    Hash32 ReportDataHash,
    Hash32 AttestationDigest,
    string Endpoint);
