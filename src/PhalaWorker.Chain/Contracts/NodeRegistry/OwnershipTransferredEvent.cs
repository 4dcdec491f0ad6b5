using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary><c>OwnershipTransferred</c>: the allow-list's owner changed (from zero at deployment).</summary>
public sealed record OwnershipTransferredEvent(EthAddress PreviousOwner, EthAddress NewOwner, LogEntry Log) : NodeRegistryEvent(Log);
