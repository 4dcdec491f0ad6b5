using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary><c>MeasurementsAllowed</c>: the owner allow-listed profile <see cref="ProfileId"/>.</summary>
public sealed record MeasurementsAllowedEvent(Hash32 ProfileId, string Name, LogEntry Log) : NodeRegistryEvent(Log);
