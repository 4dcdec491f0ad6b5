using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Dcap;

/// <summary>The signed <c>tcbInfo</c> body (TDX TCB info v3, also SGX v3). Hex fields are kept as the JSON strings.</summary>
public sealed record TcbInfo
{
    [JsonPropertyName("id")]
    public string Id { get; init; } = "TDX";

    [JsonPropertyName("version")]
    public int Version { get; init; } = 3;

    [JsonPropertyName("issueDate")]
    public DateTimeOffset IssueDate { get; init; }

    [JsonPropertyName("nextUpdate")]
    public DateTimeOffset NextUpdate { get; init; }

    [JsonPropertyName("fmspc")]
    public string Fmspc { get; init; } = "";

    [JsonPropertyName("pceId")]
    public string PceId { get; init; } = "";

    [JsonPropertyName("tcbType")]
    public int TcbType { get; init; }

    [JsonPropertyName("tcbEvaluationDataNumber")]
    public int TcbEvaluationDataNumber { get; init; }

    [JsonPropertyName("tdxModule")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TdxModule? TdxModule { get; init; }

    [JsonPropertyName("tdxModuleIdentities")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<TdxModuleIdentity>? TdxModuleIdentities { get; init; }

    [JsonPropertyName("tcbLevels")]
    public IReadOnlyList<TcbLevel> TcbLevels { get; init; } = [];

    public static TcbInfo FromJson(string json) =>
        JsonSerializer.Deserialize(json, DcapJsonContext.Default.TcbInfo) ?? throw new JsonException("tcbInfo is null");

    /// <summary>Compact JSON (the form Intel signs).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, DcapJsonContext.Default.TcbInfo);
}

public sealed record TdxModule
{
    [JsonPropertyName("mrsigner")]
    public string MrSigner { get; init; } = "";

    [JsonPropertyName("attributes")]
    public string Attributes { get; init; } = "";

    [JsonPropertyName("attributesMask")]
    public string AttributesMask { get; init; } = "";
}

public sealed record TdxModuleIdentity
{
    [JsonPropertyName("id")]
    public string Id { get; init; } = "";

    [JsonPropertyName("mrsigner")]
    public string MrSigner { get; init; } = "";

    [JsonPropertyName("attributes")]
    public string Attributes { get; init; } = "";

    [JsonPropertyName("attributesMask")]
    public string AttributesMask { get; init; } = "";

    [JsonPropertyName("tcbLevels")]
    public IReadOnlyList<EnclaveTcbLevel> TcbLevels { get; init; } = [];
}

public sealed record TcbLevel
{
    [JsonPropertyName("tcb")]
    public TcbComponents Tcb { get; init; } = new();

    [JsonPropertyName("tcbDate")]
    public DateTimeOffset TcbDate { get; init; }

    [JsonPropertyName("tcbStatus")]
    public TcbStatus TcbStatus { get; init; }

    [JsonPropertyName("advisoryIDs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? AdvisoryIds { get; init; }
}

public sealed record TcbComponents
{
    [JsonPropertyName("sgxtcbcomponents")]
    public IReadOnlyList<TcbComponent> SgxTcbComponents { get; init; } = [];

    [JsonPropertyName("pcesvn")]
    public int PceSvn { get; init; }

    [JsonPropertyName("tdxtcbcomponents")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<TcbComponent>? TdxTcbComponents { get; init; }
}

public sealed record TcbComponent
{
    [JsonPropertyName("svn")]
    public int Svn { get; init; }

    [JsonPropertyName("category")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Category { get; init; }

    [JsonPropertyName("type")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; init; }
}

/// <summary>A TCB level keyed by one ISVSVN (QE identity and TDX module identity levels).</summary>
public sealed record EnclaveTcbLevel
{
    [JsonPropertyName("tcb")]
    public IsvSvnTcb Tcb { get; init; } = new();

    [JsonPropertyName("tcbDate")]
    public DateTimeOffset TcbDate { get; init; }

    [JsonPropertyName("tcbStatus")]
    public TcbStatus TcbStatus { get; init; }

    [JsonPropertyName("advisoryIDs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? AdvisoryIds { get; init; }
}

public sealed record IsvSvnTcb
{
    [JsonPropertyName("isvsvn")]
    public int IsvSvn { get; init; }
}

[JsonSerializable(typeof(TcbInfo))]
[JsonSerializable(typeof(QeIdentity))]
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    NumberHandling = JsonNumberHandling.Strict)]
internal sealed partial class DcapJsonContext : JsonSerializerContext;
