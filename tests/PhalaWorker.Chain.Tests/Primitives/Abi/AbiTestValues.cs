using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Abi;

namespace PhalaWorker.Chain.Tests.Primitives.Abi;

internal static class AbiTestValues
{
    /// <summary>Turns a JSON vector argument into the value model; <paramref name="utf8Bytes"/>: plain strings for bytes types are UTF-8.</summary>
    public static object? FromJson(AbiType type, JsonNode? node, bool utf8Bytes)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.UInt:
            case AbiTypeKind.Int:
                return node!.GetValueKind() == JsonValueKind.Number
                    ? BigInteger.Parse(node.ToJsonString(), CultureInfo.InvariantCulture)
                    : node.GetValue<string>() is var text && text.StartsWith("0x", StringComparison.Ordinal)
                        ? BigInteger.Parse("0" + text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                        : BigInteger.Parse(text, CultureInfo.InvariantCulture);
            case AbiTypeKind.Address:
                return EthAddress.Parse(node!.GetValue<string>());
            case AbiTypeKind.Bool:
                return node!.GetValue<bool>();
            case AbiTypeKind.FixedBytes:
            case AbiTypeKind.Bytes:
            {
                var s = node!.GetValue<string>();
                return utf8Bytes && !s.StartsWith("0x", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(s) : Hex.Decode(s);
            }

            case AbiTypeKind.String:
                return node!.GetValue<string>();
            case AbiTypeKind.Array:
            case AbiTypeKind.FixedArray:
                return node!.AsArray().Select(n => FromJson(type.ElementType!, n, utf8Bytes)).ToArray();
            default:
                return node!.AsArray().Select((n, i) => FromJson(type.Components[i].Type, n, utf8Bytes)).ToArray();
        }
    }

    /// <summary>A canonical text form for structural comparison of values.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        byte[] bytes => Hex.Encode(bytes),
        Hash32 hash => hash.ToString(),
        object?[] items => "[" + string.Join(",", items.Select(Format)) + "]",
        bool b => b ? "true" : "false",
        BigInteger i => i.ToString(CultureInfo.InvariantCulture),
        string s => "\"" + s + "\"",
        _ => value.ToString()!,
    };
}
