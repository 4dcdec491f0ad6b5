using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Client;

/// <summary>A node's record in the NodeRegistry contract.</summary>
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
    ulong BatchCount);
