using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Agent.Registry;

/// <summary>A batch root as mined on chain.</summary>
internal sealed record PostedBatch(ulong BatchIndex, Hash32 TransactionHash, ulong BlockNumber);
