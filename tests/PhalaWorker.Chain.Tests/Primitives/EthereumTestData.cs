using System.Text.Json;
using System.Text.Json.Nodes;

namespace PhalaWorker.Chain.Tests.Primitives;

/// <summary>Loads the vector files of tests/testdata/ethereum (copied next to the test assembly).</summary>
internal static class EthereumTestData
{
    public static string PathOf(string relative) =>
        Path.Combine(AppContext.BaseDirectory, "testdata", "ethereum", relative);

    public static JsonNode Load(string relative) =>
        JsonNode.Parse(File.ReadAllText(PathOf(relative)), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })
        ?? throw new InvalidDataException(relative);

    public static IEnumerable<JsonObject> Vectors(string relative, string arrayName = "vectors") =>
        Load(relative)[arrayName]!.AsArray().Select(n => n!.AsObject());

    public static string Str(this JsonNode node, string name) => node[name]!.GetValue<string>();
}
