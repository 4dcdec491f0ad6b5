namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// Compares the runtime measurements of an SPDM GET_MEASUREMENTS response with the golden values of the driver and the
/// VBIOS RIM, as NVIDIA's local verifier does: every active golden value at RIM index i must equal one of its alternatives
/// in SPDM block i+1; a block the report lacks is a mismatch; an index active in both RIMs is an error; RIM index 35 is
/// skipped when the report's NVDEC0 status (opaque field 11, first byte) is 0x55 (disabled), compared when 0xAA (enabled),
/// and any other status is an error. A missing RIM gives <see cref="RimComparisonStatus.Unavailable"/>, never a pass.
/// The RIMs must have been verified (<see cref="RimVerifier"/>) by the caller.
/// </summary>
public static class RimMeasurementComparer
{
    /// <summary>NVDEC0 status byte meaning the decoder is enabled: RIM index 35 is compared.</summary>
    public const byte Nvdec0Enabled = 0xAA;

    /// <summary>NVDEC0 status byte meaning the decoder is disabled: RIM index 35 is skipped.</summary>
    public const byte Nvdec0Disabled = 0x55;

    /// <summary>The RIM index whose comparison depends on the NVDEC0 status.</summary>
    public const int Nvdec0RimIndex = 35;

    /// <summary>
    /// Compares. <paramref name="spdmMeasurements"/> maps 1-based SPDM block indices to measurement values;
    /// <paramref name="nvdec0Status"/> is the first byte of the report's OPAQUE_FIELD_ID_NVDEC0_STATUS (null when absent).
    /// </summary>
    public static RimComparisonResult Compare(
        ReferenceIntegrityManifest? driver,
        ReferenceIntegrityManifest? vbios,
        IReadOnlyDictionary<int, ReadOnlyMemory<byte>> spdmMeasurements,
        byte? nvdec0Status)
    {
        ArgumentNullException.ThrowIfNull(spdmMeasurements);
        if (driver is { Kind: not RimKind.Driver })
        {
            throw new ArgumentException($"{driver.Id} is not a driver RIM", nameof(driver));
        }

        if (vbios is { Kind: not RimKind.Vbios })
        {
            throw new ArgumentException($"{vbios.Id} is not a VBIOS RIM", nameof(vbios));
        }

        if (driver is null || vbios is null)
        {
            var missing = driver is null && vbios is null ? "the driver and the VBIOS RIM are" : driver is null ? "the driver RIM is" : "the VBIOS RIM is";
            return new RimComparisonResult { Status = RimComparisonStatus.Unavailable, Reason = $"{missing} not available" };
        }

        var activeCount = driver.ActiveMeasurements.Count + vbios.ActiveMeasurements.Count;
        var vbiosIndices = vbios.ActiveMeasurements.Select(m => m.Index).ToHashSet();
        var conflicts = driver.ActiveMeasurements.Select(m => m.Index).Where(vbiosIndices.Contains).Order().ToList();
        if (conflicts.Count > 0)
        {
            return new RimComparisonResult
            {
                Status = RimComparisonStatus.Error,
                ActiveGoldenCount = activeCount,
                ConflictingRimIndices = conflicts,
                Reason = $"RIM indices {string.Join(", ", conflicts)} are active in both {driver.Id} and {vbios.Id}",
            };
        }

        bool compareNvdec0;
        switch (nvdec0Status)
        {
            case Nvdec0Enabled:
                compareNvdec0 = true;
                break;
            case Nvdec0Disabled:
                compareNvdec0 = false;
                break;
            default:
                return new RimComparisonResult
                {
                    Status = RimComparisonStatus.Error,
                    ActiveGoldenCount = activeCount,
                    Reason = nvdec0Status is { } unknown
                        ? $"NVDEC0 status 0x{unknown:x2} is neither enabled (0xaa) nor disabled (0x55)"
                        : "the report carries no NVDEC0 status (opaque field 11)",
                };
        }

        var details = new List<RimIndexComparison>(activeCount);
        var golden = driver.ActiveMeasurements.Select(m => (Measurement: m, Source: RimKind.Driver))
            .Concat(vbios.ActiveMeasurements.Select(m => (Measurement: m, Source: RimKind.Vbios)))
            .OrderBy(g => g.Measurement.Index);
        foreach (var (measurement, source) in golden)
        {
            details.Add(CompareOne(measurement, source, spdmMeasurements, compareNvdec0));
        }

        var mismatched = details.Where(d => d.Outcome is RimIndexOutcome.Mismatched or RimIndexOutcome.MissingBlock).Select(d => d.RimIndex).ToList();
        var skipped = details.Where(d => d.Outcome == RimIndexOutcome.Skipped).Select(d => d.RimIndex).ToList();
        return new RimComparisonResult
        {
            Status = mismatched.Count == 0 ? RimComparisonStatus.Match : RimComparisonStatus.Mismatch,
            ActiveGoldenCount = activeCount,
            MismatchedRimIndices = mismatched,
            SkippedRimIndices = skipped,
            Details = details,
            Reason = mismatched.Count == 0
                ? null
                : "golden values not matched at RIM indices " + string.Join(", ", details
                    .Where(d => mismatched.Contains(d.RimIndex))
                    .Select(d => d.Outcome == RimIndexOutcome.MissingBlock
                        ? $"{d.RimIndex} ({d.Source}, no SPDM block {d.SpdmBlockIndex})"
                        : $"{d.RimIndex} ({d.Source}, SPDM block {d.SpdmBlockIndex})")),
        };
    }

    private static RimIndexComparison CompareOne(
        RimMeasurement measurement,
        RimKind source,
        IReadOnlyDictionary<int, ReadOnlyMemory<byte>> spdmMeasurements,
        bool compareNvdec0)
    {
        var block = measurement.SpdmBlockIndex;
        if (measurement.Index == Nvdec0RimIndex && !compareNvdec0)
        {
            return new RimIndexComparison(measurement.Index, block, source, measurement.Alternatives.Count, null, RimIndexOutcome.Skipped, null);
        }

        if (!spdmMeasurements.TryGetValue(block, out var runtime))
        {
            return new RimIndexComparison(measurement.Index, block, source, measurement.Alternatives.Count, null, RimIndexOutcome.MissingBlock, null);
        }

        var hex = Convert.ToHexStringLower(runtime.Span);
        for (var k = 0; k < measurement.Alternatives.Count; k++)
        {
            if (runtime.Span.SequenceEqual(measurement.Alternatives[k]))
            {
                return new RimIndexComparison(measurement.Index, block, source, measurement.Alternatives.Count, k, RimIndexOutcome.Matched, hex);
            }
        }

        return new RimIndexComparison(measurement.Index, block, source, measurement.Alternatives.Count, null, RimIndexOutcome.Mismatched, hex);
    }
}
