namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// The comparison of one active golden value: RIM index, the SPDM block index it is compared with (RIM index + 1), which RIM
/// it comes from, how many alternatives it has, which one matched (null unless <see cref="RimIndexOutcome.Matched"/>), and
/// the runtime value (hex, null when the block is missing).
/// </summary>
public sealed record RimIndexComparison(
    int RimIndex,
    int SpdmBlockIndex,
    RimKind Source,
    int Alternatives,
    int? MatchedAlternative,
    RimIndexOutcome Outcome,
    string? RuntimeValueHex);
