using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhalaWorker.Chain.Primitives;

/// <summary>JSON: an address as a string (read: any valid hex form; write: EIP-55).</summary>
public sealed class EthAddressJsonConverter : JsonConverter<EthAddress>
{
    public override EthAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("Expected an address string.");
        return EthAddress.TryParse(text, null, out var address) ? address : throw new JsonException($"'{text}' is not a valid address.");
    }

    public override void Write(Utf8JsonWriter writer, EthAddress value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToChecksumString());
    }
}
