using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PhalaWorker.Chain.Signing;

/// <summary>The wire shape of <c>eth_signTypedData_v4</c> (plus an optional <c>signature</c>).</summary>
internal sealed class TypedDataJsonDocument
{
    public JsonObject? Domain { get; set; }

    public Dictionary<string, List<TypedDataField>>? Types { get; set; }

    public string? PrimaryType { get; set; }

    public JsonObject? Message { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Signature { get; set; }
}
