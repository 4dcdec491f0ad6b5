using System.Text.Json;
using System.Text.Json.Nodes;

namespace PhalaWorker.Attestation.Policy;

/// <summary>
/// Reading a policy file so that what it leaves out keeps the strict default. System.Text.Json's source generator sets
/// <c>init</c> properties in one object initializer, so a member missing from the JSON would get <c>default(T)</c>
/// (<c>requireCcMode: false</c> for a file holding only <c>allowMissingOcsp</c>) instead of the property's initializer.
/// The file's members are therefore laid over the strict policy's own JSON before it is deserialized.
/// </summary>
internal static class PolicyJson
{
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// <paramref name="json"/>'s members over <paramref name="strictJson"/>'s; a JSON <c>null</c> document stays <c>null</c>,
    /// and anything but an object is returned as it is (the deserializer then names what is wrong).
    /// </summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static string OverStrict(string json, string strictJson)
    {
        var node = JsonNode.Parse(json, NodeOptions, DocumentOptions);
        if (node is not JsonObject given)
        {
            return node?.ToJsonString() ?? "null";
        }

        var merged = (JsonObject)JsonNode.Parse(strictJson, NodeOptions, DocumentOptions)!;
        foreach (var (name, value) in given.ToList())
        {
            given.Remove(name);
            merged[name] = value;
        }

        return merged.ToJsonString();
    }
}
