using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Dcap;

/// <summary>The signed <c>enclaveIdentity</c> body (QE identity v2; <c>TD_QE</c> for TDX).</summary>
public sealed record QeIdentity
{
    [JsonPropertyName("id")]
    public string Id { get; init; } = "TD_QE";

    [JsonPropertyName("version")]
    public int Version { get; init; } = 2;

    [JsonPropertyName("issueDate")]
    public DateTimeOffset IssueDate { get; init; }

    [JsonPropertyName("nextUpdate")]
    public DateTimeOffset NextUpdate { get; init; }

    [JsonPropertyName("tcbEvaluationDataNumber")]
    public int TcbEvaluationDataNumber { get; init; }

    [JsonPropertyName("miscselect")]
    public string MiscSelect { get; init; } = "";

    [JsonPropertyName("miscselectMask")]
    public string MiscSelectMask { get; init; } = "";

    [JsonPropertyName("attributes")]
    public string Attributes { get; init; } = "";

    [JsonPropertyName("attributesMask")]
    public string AttributesMask { get; init; } = "";

    [JsonPropertyName("mrsigner")]
    public string MrSigner { get; init; } = "";

    [JsonPropertyName("isvprodid")]
    public int IsvProdId { get; init; }

    [JsonPropertyName("tcbLevels")]
    public IReadOnlyList<EnclaveTcbLevel> TcbLevels { get; init; } = [];

    public static QeIdentity FromJson(string json) =>
        JsonSerializer.Deserialize(json, DcapJsonContext.Default.QeIdentity) ?? throw new JsonException("enclaveIdentity is null");

    public string ToJson() => JsonSerializer.Serialize(this, DcapJsonContext.Default.QeIdentity);
}
