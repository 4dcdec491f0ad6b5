using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

public sealed record BatchPostedEvent(EthAddress Node, ulong BatchIndex, Hash32 Root, uint Count, LogEntry Log) : NodeRegistryEvent(Log);
