using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Gpu.Ocsp;

/// <summary>The OCSP outcome for one certificate of a chain.</summary>
/// <param name="ChainIndex">Index in its chain (0 = leaf).</param>
/// <param name="Certificate">Subject CN and serial.</param>
/// <param name="Serial">Serial number, upper-case hex.</param>
/// <param name="Status">The outcome.</param>
/// <param name="ThisUpdate">thisUpdate of the matching response, when one matched.</param>
/// <param name="NextUpdate">nextUpdate of the matching response, when one matched.</param>
/// <param name="Reason">Why it is not good; null when good.</param>
public sealed record OcspCertificateResult(
    int ChainIndex,
    string Certificate,
    string Serial,
    OcspCertificateStatus Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ThisUpdate,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? NextUpdate,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason);
