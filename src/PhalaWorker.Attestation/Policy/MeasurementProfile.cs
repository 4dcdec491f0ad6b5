namespace PhalaWorker.Attestation.Policy;

/// <summary>
/// One accepted identity of a node's TD, as the registry owner allow-lists it on chain: the static measurements (MRTD,
/// RTMR0–2: firmware, kernel, command line, image), the digest of the agent's published binaries (measured into RTMR3 as
/// its own event), and the security-relevant settings the agent must have measured into RTMR3 (name → value, exact).
/// A node is accepted when its quote and replayed RTMR3 event log match one profile in full.
/// </summary>
public sealed record MeasurementProfile
{
    /// <summary>A label for people (e.g. <c>phala-worker 1.4.0 / dstack-0.5 / H100</c>); not part of the match.</summary>
    public required string Name { get; init; }

    /// <summary>MRTD, 48 bytes.</summary>
    public required byte[] MrTd { get; init; }

    /// <summary>RTMR0, 48 bytes.</summary>
    public required byte[] Rtmr0 { get; init; }

    /// <summary>RTMR1, 48 bytes.</summary>
    public required byte[] Rtmr1 { get; init; }

    /// <summary>RTMR2, 48 bytes.</summary>
    public required byte[] Rtmr2 { get; init; }

    /// <summary>The agent binary digest the RTMR3 log must carry, 32 bytes.</summary>
    public required byte[] AgentDigest { get; init; }

    /// <summary>Settings the RTMR3 log must carry with exactly these values (setting name → value).</summary>
    /// <value>Default empty.</value>
    public IReadOnlyDictionary<string, string> RequiredSettings { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
