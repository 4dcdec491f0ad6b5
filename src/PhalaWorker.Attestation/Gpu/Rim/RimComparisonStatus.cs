using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>The verdict of comparing runtime SPDM measurements with the golden values of the driver and VBIOS RIMs. Only <see cref="Match"/> passes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RimComparisonStatus>))]
public enum RimComparisonStatus
{
    /// <summary>Every compared active golden value has an SPDM block equal to one of its alternatives.</summary>
    Match,

    /// <summary>At least one active golden value has no equal SPDM block (or no block at all).</summary>
    Mismatch,

    /// <summary>The driver or the VBIOS RIM is missing: nothing can be concluded (never a pass).</summary>
    Unavailable,

    /// <summary>The inputs contradict each other: an index active in both RIMs, or an NVDEC0 status that is missing or unknown.</summary>
    Error,
}
