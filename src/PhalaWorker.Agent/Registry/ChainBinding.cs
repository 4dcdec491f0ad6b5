using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Agent.Registry;

/// <summary>The chain the node lives on, as settled at start by <see cref="RegistrationHeartbeat"/> (or from configuration without a chain).</summary>
internal sealed class ChainBinding
{
    public bool Enabled { get; set; }

    public ulong ChainId { get; set; }

    public EthAddress Registry { get; set; }

    /// <summary>The registration transaction, once mined.</summary>
    public Hash32? RegisterTransaction { get; set; }
}
