using Nethereum.Hex.HexTypes;
using Newtonsoft.Json;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>
/// Quantities as the JSON-RPC spec writes them: a 0x-hex string of at most 256 bits, read strictly (Nethereum's own
/// converter also takes JSON numbers and unprefixed hex) and written without leading zeros.
/// </summary>
internal sealed class StrictHexBigIntegerConverter : JsonConverter<HexBigInteger>
{
    public static StrictHexBigIntegerConverter Instance { get; } = new();

    public override HexBigInteger? ReadJson(JsonReader reader, Type objectType, HexBigInteger? existingValue, bool hasExistingValue, JsonSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.TokenType switch
        {
            JsonToken.Null => null,
            JsonToken.String when reader.Value is string text && HexQuantity.TryParseBigInteger(text, out var value) => new HexBigInteger(value),
            _ => throw new JsonSerializationException($"Expected a 0x-hex quantity of at most 256 bits at '{reader.Path}', got {reader.TokenType}."),
        };
    }

    public override void WriteJson(JsonWriter writer, HexBigInteger? value, JsonSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            writer.WriteNull();
        }
        else
        {
            writer.WriteValue(HexQuantity.Format(value.Value));
        }
    }
}
