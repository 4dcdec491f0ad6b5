namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// The result of <see cref="RimMeasurementComparer.Compare"/>: the status, the RIM indices that did not match, the indices
/// active in both RIMs (an error), a detail per active golden value, and why when it is not a match.
/// </summary>
public sealed record RimComparisonResult
{
    public required RimComparisonStatus Status { get; init; }

    /// <summary>True only for <see cref="RimComparisonStatus.Match"/>.</summary>
    public bool IsMatch => Status == RimComparisonStatus.Match;

    /// <summary>RIM indices whose golden value has no equal SPDM block (mismatched or missing), ascending.</summary>
    public IReadOnlyList<int> MismatchedRimIndices { get; init; } = [];

    /// <summary>RIM indices active in both the driver and the VBIOS RIM (status <see cref="RimComparisonStatus.Error"/>).</summary>
    public IReadOnlyList<int> ConflictingRimIndices { get; init; } = [];

    /// <summary>RIM indices not compared (index 35 with NVDEC0 disabled).</summary>
    public IReadOnlyList<int> SkippedRimIndices { get; init; } = [];

    /// <summary>Active golden values of both RIMs together.</summary>
    public int ActiveGoldenCount { get; init; }

    /// <summary>One entry per active golden value, by RIM index.</summary>
    public IReadOnlyList<RimIndexComparison> Details { get; init; } = [];

    /// <summary>Why the status is not a match; null for a match.</summary>
    public string? Reason { get; init; }
}
