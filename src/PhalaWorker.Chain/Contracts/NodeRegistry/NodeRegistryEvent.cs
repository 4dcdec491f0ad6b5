using PhalaWorker.Chain.JsonRpc;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>An event of the registry, with the log it was decoded from.</summary>
public abstract record NodeRegistryEvent(LogEntry Log);
