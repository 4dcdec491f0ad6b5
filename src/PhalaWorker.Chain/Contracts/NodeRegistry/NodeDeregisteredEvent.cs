using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

public sealed record NodeDeregisteredEvent(EthAddress Node, EthAddress By, LogEntry Log) : NodeRegistryEvent(Log);
