namespace PhalaWorker.Testing.Anvil;

/// <summary>How <see cref="AnvilNode"/> starts anvil.</summary>
public sealed record AnvilOptions
{
    /// <value>Default 31337 (anvil's own default).</value>
    public ulong ChainId { get; init; } = 31337;

    /// <summary>Interval mining; null mines one block per transaction as it arrives (automine).</summary>
    public TimeSpan? BlockTime { get; init; }

    /// <summary>
    /// Keep the chain in a state file (dumped every second and on exit) so that <see cref="AnvilNode.RestartAsync"/>
    /// resumes it; what happened in the last second before a hard kill is lost, like a shallow reorg.
    /// </summary>
    public bool PersistState { get; init; }

    /// <summary>How long to wait for the RPC endpoint to answer.</summary>
    /// <value>Default 30 s.</value>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra command-line arguments.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
