using PhalaWorker.Chain.JsonRpc;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>A confirmed registry transaction and the event it emitted.</summary>
public sealed record NodeRegistryTransaction<TEvent>(TransactionReceipt Receipt, TEvent Event)
    where TEvent : NodeRegistryEvent;
