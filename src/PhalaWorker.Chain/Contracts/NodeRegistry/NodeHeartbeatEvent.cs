using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

public sealed record NodeHeartbeatEvent(EthAddress Node, Hash32 AttestationDigest, ulong IssuedAt, LogEntry Log) : NodeRegistryEvent(Log);
