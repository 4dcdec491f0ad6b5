using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary><c>MeasurementsRevoked</c>: the owner removed profile <see cref="ProfileId"/> from the allow-list.</summary>
public sealed record MeasurementsRevokedEvent(Hash32 ProfileId, LogEntry Log) : NodeRegistryEvent(Log);
