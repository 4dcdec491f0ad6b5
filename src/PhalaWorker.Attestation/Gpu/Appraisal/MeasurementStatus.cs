using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Gpu.Appraisal;

/// <summary>The outcome of comparing SPDM measurements with the RIM golden values.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MeasurementStatus>))]
public enum MeasurementStatus
{
    /// <summary>Not compared (a RIM is missing or invalid): never a pass.</summary>
    [JsonStringEnumMemberName("unavailable")]
    Unavailable,

    /// <summary>Every active golden value matches.</summary>
    [JsonStringEnumMemberName("match")]
    Match,

    /// <summary>At least one index differs (see mismatched indices).</summary>
    [JsonStringEnumMemberName("mismatch")]
    Mismatch,
}
