namespace PhalaWorker.Attestation.EventLog;

/// <summary>The verifier-side outcome of replaying an event log against a quoted RTMR.</summary>
/// <param name="Matches">True when every event is consistent and the replay equals the quoted value.</param>
/// <param name="RtmrIndex">The RTMR replayed.</param>
/// <param name="ReplayedValue">The value the events replay to (48 bytes).</param>
/// <param name="QuotedValue">The RTMR value from the quote (48 bytes).</param>
/// <param name="Events">The events, in order, for the report.</param>
/// <param name="Reason">Why it does not match, when it does not.</param>
public sealed record RtmrReplayResult(bool Matches, int RtmrIndex, byte[] ReplayedValue, byte[] QuotedValue, IReadOnlyList<RtmrEvent> Events, string? Reason);
