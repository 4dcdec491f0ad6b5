namespace PhalaWorker.Attestation.Gpu.Spdm;

/// <summary>
/// One SPDM measurement block: Index, MeasurementSpecification (bit 0 = DMTF), MeasurementSize and, for the DMTF
/// specification, DMTFSpecMeasurementValueType, DMTFSpecMeasurementValueSize and the value (SHA-384 digests on Hopper).
/// </summary>
public sealed record SpdmMeasurementBlock
{
    /// <summary>Measurement index (1-based on NVIDIA GPUs; RIM index i is block index i + 1).</summary>
    public required byte Index { get; init; }

    /// <summary>MeasurementSpecification bit mask (1 = DMTF).</summary>
    public required byte MeasurementSpecification { get; init; }

    /// <summary>MeasurementSize: length of the measurement that follows (3 + value size for DMTF).</summary>
    public required ushort MeasurementSize { get; init; }

    /// <summary>DMTFSpecMeasurementValueType (bit 7 = raw bit stream, low bits = kind).</summary>
    public required byte DmtfValueType { get; init; }

    /// <summary>DMTFSpecMeasurementValueSize.</summary>
    public required ushort DmtfValueSize { get; init; }

    /// <summary>The measurement value.</summary>
    public required byte[] Value { get; init; }
}
