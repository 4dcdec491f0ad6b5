using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>
/// A node as stored by the registry (<c>getNode</c>). <see cref="Epoch"/> is the registration it is in (1 for the first;
/// heartbeats must name it); <see cref="LastHeartbeat"/> the block time of the last heartbeat (0 = none) and
/// <see cref="HeartbeatBlock"/> the recent block its signature named; <see cref="Retired"/> a node that left for good
/// (at <see cref="RetiredAt"/>); <see cref="Predecessor"/>/<see cref="Successor"/> the restart links (zero = none).
/// </summary>
public sealed record NodeInfo(
    EthAddress Node,
    EthAddress Operator,
    byte TeeType,
    bool Active,
    bool Retired,
    ulong RegisteredAt,
    ulong LastHeartbeat,
    ulong HeartbeatBlock,
    ulong BatchCount,
    ulong Epoch,
    EthAddress Predecessor,
    ulong RetiredAt,
    EthAddress Successor,
    Hash32 HpkePublicKey,
    Hash32 QuoteHash,
    Hash32 MrtdHash,
    Hash32 RtmrDigest,
    Hash32 ReportDataHash,
    Hash32 AttestationDigest,
    string Endpoint);
