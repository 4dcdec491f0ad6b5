using System.Text.Json.Serialization;

namespace PhalaWorker.Chain.Signing;

/// <summary>Source-generated System.Text.Json metadata for the typed-data JSON document.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(TypedDataJsonDocument))]
internal sealed partial class TypedDataJsonContext : JsonSerializerContext;
