using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>Hex quantity (<c>"0x1a"</c>) ⇄ <see cref="ulong"/>. Every JSON-RPC number is such a string.</summary>
internal sealed class HexUInt64JsonConverter : JsonConverter<ulong>
{
    public override ulong Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return text is not null && HexQuantity.TryParseUInt64(text, out var value)
            ? value
            : throw new JsonException($"Expected a hex quantity, got {reader.TokenType}.");
    }

    public override void Write(Utf8JsonWriter writer, ulong value, JsonSerializerOptions options) =>
        writer.WriteStringValue(HexQuantity.Format(value));
}

/// <summary>Hex quantity ⇄ <see cref="BigInteger"/> (wei amounts).</summary>
internal sealed class HexBigIntegerJsonConverter : JsonConverter<BigInteger>
{
    public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return text is not null && HexQuantity.TryParseBigInteger(text, out var value)
            ? value
            : throw new JsonException($"Expected a hex quantity, got {reader.TokenType}.");
    }

    public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options) =>
        writer.WriteStringValue(HexQuantity.Format(value));
}

/// <summary>0x-hex data ⇄ <see cref="byte"/>[].</summary>
internal sealed class HexBytesJsonConverter : JsonConverter<byte[]>
{
    public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (text is null || !Hex.HasPrefix(text))
        {
            throw new JsonException($"Expected 0x-hex data, got {reader.TokenType}.");
        }

        try
        {
            return Hex.Decode(text);
        }
        catch (FormatException ex)
        {
            throw new JsonException("Malformed hex data.", ex);
        }
    }

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Hex.Encode(value));
}

internal sealed class RpcHash32JsonConverter : JsonConverter<Hash32>
{
    public override Hash32 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return text is not null && Hash32.TryParse(text, null, out var value)
            ? value
            : throw new JsonException($"Expected a 32-byte hash, got {reader.TokenType}.");
    }

    public override void Write(Utf8JsonWriter writer, Hash32 value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}

internal sealed class RpcEthAddressJsonConverter : JsonConverter<EthAddress>
{
    public override EthAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (text is null || text.Length != 42 || !Hex.HasPrefix(text))
        {
            throw new JsonException($"Expected a 20-byte address, got {reader.TokenType}.");
        }

        Span<byte> bytes = stackalloc byte[EthAddress.Size];
        if (!Hex.TryDecode(text, bytes, out var written) || written != EthAddress.Size)
        {
            throw new JsonException("Malformed address.");
        }

        // Nodes answer in lower case; no checksum to check.
        return new EthAddress(bytes);
    }

    public override void Write(Utf8JsonWriter writer, EthAddress value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToLowerHexString());
}
