using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhalaWorker.Chain.Primitives;

/// <summary>JSON: a 32-byte value as a 0x-hex string.</summary>
public sealed class Hash32JsonConverter : JsonConverter<Hash32>
{
    public override Hash32 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("Expected a 32-byte hex string.");
        return Hash32.TryParse(text, null, out var hash) ? hash : throw new JsonException($"'{text}' is not 32 bytes of hex.");
    }

    public override void Write(Utf8JsonWriter writer, Hash32 value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
