using PhalaWorker.Attestation.Policy;

namespace PhalaWorker.Attestation.Measurement;

/// <summary>The outcome of matching a TD against accepted <see cref="MeasurementProfile"/>s.</summary>
/// <param name="Accepted">True when one profile matched in full.</param>
/// <param name="Profile">The matching profile.</param>
/// <param name="Reason">When refused: for each profile, what differs (register or event, expected vs actual).</param>
public sealed record MeasurementVerdict(bool Accepted, MeasurementProfile? Profile, string? Reason);
