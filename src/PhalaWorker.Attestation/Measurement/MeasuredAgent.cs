namespace PhalaWorker.Attestation.Measurement;

/// <summary>What a node's RTMR3 event log says about its agent (read by <see cref="AgentMeasurements.Read"/>).</summary>
/// <param name="Version">The measured agent version, when measured.</param>
/// <param name="Digest">The measured <see cref="AgentDigest"/> (32 bytes).</param>
/// <param name="Settings">The measured settings (name → value).</param>
public sealed record MeasuredAgent(string? Version, byte[] Digest, IReadOnlyDictionary<string, string> Settings);
