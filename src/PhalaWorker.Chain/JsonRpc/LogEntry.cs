using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>An event log (in a receipt or from <c>eth_getLogs</c>).</summary>
public sealed record LogEntry(
    EthAddress Address,
    IReadOnlyList<Hash32> Topics,
    byte[] Data,
    ulong? BlockNumber = null,
    Hash32? BlockHash = null,
    Hash32? TransactionHash = null,
    ulong? LogIndex = null,
    bool Removed = false);
