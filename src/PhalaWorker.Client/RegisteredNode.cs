using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Client;

/// <summary>
/// A node's record in the NodeRegistry contract. <see cref="Retired"/>: the node left for good (at <see cref="RetiredAt"/>),
/// or was replaced by <see cref="Successor"/> after a restart; <see cref="Predecessor"/>: the node this one replaced (zero =
/// none). <see cref="Epoch"/> is its registration number; <see cref="LastHeartbeat"/> the block time of its last heartbeat
/// and <see cref="HeartbeatBlock"/> the recent block that heartbeat's signature named (a signature made after that block).
/// </summary>
public sealed record RegisteredNode(
    EthAddress Address,
    EthAddress Operator,
    bool Active,
    byte[] HpkePublicKey,
    Hash32 QuoteHash,
    string Endpoint,
    int TeeType,
    ulong RegisteredAt,
    ulong LastHeartbeat,
    ulong BatchCount)
{
    public bool Retired { get; init; }

    public ulong RetiredAt { get; init; }

    public EthAddress Predecessor { get; init; }

    public EthAddress Successor { get; init; }

    public ulong Epoch { get; init; }

    public ulong HeartbeatBlock { get; init; }
}
