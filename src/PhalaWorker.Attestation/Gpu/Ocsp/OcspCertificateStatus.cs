using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Gpu.Ocsp;

/// <summary>The OCSP outcome of one certificate (or, for a chain, the worst of its certificates).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OcspCertificateStatus>))]
public enum OcspCertificateStatus
{
    /// <summary>A valid, current, correctly signed response says good.</summary>
    [JsonStringEnumMemberName("good")]
    Good,

    /// <summary>No response for the certificate was supplied (or none decoded).</summary>
    [JsonStringEnumMemberName("unavailable")]
    Unavailable,

    /// <summary>The responder does not know the certificate.</summary>
    [JsonStringEnumMemberName("unknown")]
    Unknown,

    /// <summary>A response exists but fails: signature, responder authorization, window, max age or nonce.</summary>
    [JsonStringEnumMemberName("invalid")]
    Invalid,

    /// <summary>A correctly signed response says revoked.</summary>
    [JsonStringEnumMemberName("revoked")]
    Revoked,
}
