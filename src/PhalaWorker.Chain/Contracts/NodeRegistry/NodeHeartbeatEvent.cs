using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary><c>NodeHeartbeat</c>: the node was alive in registration <see cref="Epoch"/> after block <see cref="BlockNumber"/>.</summary>
public sealed record NodeHeartbeatEvent(EthAddress Node, ulong Epoch, Hash32 AttestationDigest, ulong BlockNumber, LogEntry Log) : NodeRegistryEvent(Log);
