using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary><c>NodeRetired</c>: the node left for good, by <see cref="By"/>; <see cref="Successor"/> is the node that replaced it (zero for a plain leave).</summary>
public sealed record NodeRetiredEvent(EthAddress Node, EthAddress By, EthAddress Successor, LogEntry Log) : NodeRegistryEvent(Log);
