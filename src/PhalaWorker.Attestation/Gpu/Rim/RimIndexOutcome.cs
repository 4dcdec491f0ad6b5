using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>How one active golden value fared.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RimIndexOutcome>))]
public enum RimIndexOutcome
{
    /// <summary>The SPDM block equals one of the alternatives.</summary>
    Matched,

    /// <summary>The SPDM block equals none of the alternatives.</summary>
    Mismatched,

    /// <summary>The report has no SPDM block for this index (a mismatch).</summary>
    MissingBlock,

    /// <summary>Not compared: RIM index 35 while the report says NVDEC0 is disabled (status 0x55), as NVIDIA's verifier does.</summary>
    Skipped,
}
