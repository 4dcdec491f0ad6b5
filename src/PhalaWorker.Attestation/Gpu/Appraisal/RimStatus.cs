using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Gpu.Appraisal;

/// <summary>The outcome for a RIM (driver or VBIOS).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RimStatus>))]
public enum RimStatus
{
    /// <summary>No RIM for the id was supplied (or RIM verification is not available): never a pass.</summary>
    [JsonStringEnumMemberName("unavailable")]
    Unavailable,

    /// <summary>Signature, chain (and its OCSP), id and version verified.</summary>
    [JsonStringEnumMemberName("verified")]
    Verified,

    /// <summary>The RIM failed a check.</summary>
    [JsonStringEnumMemberName("invalid")]
    Invalid,
}
