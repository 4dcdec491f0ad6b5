using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>
/// Reads and writes EIP-712 typed data as JSON in the <c>eth_signTypedData_v4</c> shape
/// <c>{domain, types, primaryType, message}</c>, optionally with a <c>signature</c> (65 bytes hex, v = 27/28).
/// Integers are written as JSON numbers up to 2^53 − 1 and as decimal strings above; addresses in EIP-55 form; bytes as 0x-hex.
/// </summary>
public static class TypedDataJson
{
    private const long MaxSafeInteger = (1L << 53) - 1;

    /// <summary>Writes typed data (and a signature, if given).</summary>
    public static string Write(TypedData typedData, ReadOnlySpan<byte> signature65 = default)
    {
        ArgumentNullException.ThrowIfNull(typedData);
        var domainFields = typedData.Domain.GetFields();
        var types = new Dictionary<string, List<TypedDataField>>(StringComparer.Ordinal) { [Eip712.DomainTypeName] = [.. domainFields] };
        foreach (var (name, fields) in typedData.Types)
        {
            if (name != Eip712.DomainTypeName)
            {
                types[name] = [.. fields];
            }
        }

        var document = new TypedDataJsonDocument
        {
            Domain = WriteStruct(domainFields, typedData.Domain.ToMessage(), types),
            Types = types,
            PrimaryType = typedData.PrimaryType,
            Message = WriteStruct(typedData.Types[typedData.PrimaryType], typedData.Message, types),
            Signature = signature65.IsEmpty ? null : Hex.Encode(signature65),
        };
        return JsonSerializer.Serialize(document, TypedDataJsonContext.Default.TypedDataJsonDocument);
    }

    /// <summary>Parses typed data, ignoring any signature.</summary>
    public static TypedData Parse(string json) => Parse(json, out _);

    /// <summary>Parses typed data and its optional <c>signature</c> member.</summary>
    /// <exception cref="ChainException">Malformed JSON or data that does not match its types (<see cref="ChainErrorReason.InvalidTypedData"/>).</exception>
    public static TypedData Parse(string json, out byte[]? signature65)
    {
        ArgumentNullException.ThrowIfNull(json);
        TypedDataJsonDocument document;
        try
        {
            document = JsonSerializer.Deserialize(json, TypedDataJsonContext.Default.TypedDataJsonDocument)
                ?? throw Error("the document is null");
        }
        catch (JsonException e)
        {
            throw new ChainException(ChainErrorReason.InvalidTypedData, "Invalid EIP-712 JSON: " + e.Message, e);
        }

        if (document.Types is null || document.PrimaryType is null || document.Domain is null || document.Message is null)
        {
            throw Error("domain, types, primaryType and message are required");
        }

        var types = document.Types.ToDictionary(p => p.Key, p => (IReadOnlyList<TypedDataField>)p.Value, StringComparer.Ordinal);
        if (!types.ContainsKey(document.PrimaryType))
        {
            throw Error($"primaryType '{document.PrimaryType}' is not defined in types");
        }

        try
        {
            var domain = ReadDomain(document.Domain, types);
            var message = ReadStruct(document.PrimaryType, document.Message, types);
            signature65 = document.Signature is null ? null : Hex.Decode(document.Signature);
            types.Remove(Eip712.DomainTypeName);
            return new TypedData(domain, types, document.PrimaryType, message);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            throw new ChainException(ChainErrorReason.InvalidTypedData, "Invalid EIP-712 JSON: " + e.Message, e);
        }
    }

    private static Eip712Domain ReadDomain(JsonObject domain, Dictionary<string, IReadOnlyList<TypedDataField>> types)
    {
        // The declared EIP712Domain (when present) must name exactly the members the domain object carries.
        if (types.TryGetValue(Eip712.DomainTypeName, out var declared)
            && !declared.Select(f => f.Name).Order(StringComparer.Ordinal).SequenceEqual(domain.Select(p => p.Key).Order(StringComparer.Ordinal)))
        {
            throw Error("EIP712Domain type and domain object disagree");
        }

        return new Eip712Domain
        {
            Name = domain["name"]?.GetValue<string>(),
            Version = domain["version"]?.GetValue<string>(),
            ChainId = domain["chainId"] is { } chainId ? ReadInteger(chainId) : null,
            VerifyingContract = domain["verifyingContract"] is { } contract ? EthAddress.Parse(contract.GetValue<string>()) : null,
            Salt = domain["salt"] is { } salt ? Hash32.Parse(salt.GetValue<string>()) : null,
        };
    }

    private static Dictionary<string, object?> ReadStruct(string type, JsonObject json, IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> types)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var field in types[type])
        {
            if (json.TryGetPropertyValue(field.Name, out var node))
            {
                result[field.Name] = ReadValue(field.Type, node, types);
            }
        }

        return result;
    }

    private static object? ReadValue(string type, JsonNode? node, IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> types)
    {
        if (node is null)
        {
            throw Error($"null value for {type}");
        }

        if (type.EndsWith(']'))
        {
            var elementType = type[..type.LastIndexOf('[')];
            return node.AsArray().Select(n => ReadValue(elementType, n, types)).ToArray();
        }

        if (types.ContainsKey(type))
        {
            return ReadStruct(type, node.AsObject(), types);
        }

        return type switch
        {
            "string" => node.GetValue<string>(),
            "bool" => node.GetValue<bool>(),
            "address" => EthAddress.Parse(node.GetValue<string>()),
            "bytes" => Hex.Decode(node.GetValue<string>()),
            _ when type.StartsWith("bytes", StringComparison.Ordinal) => Hex.Decode(node.GetValue<string>()),
            _ when type.StartsWith("uint", StringComparison.Ordinal) || type.StartsWith("int", StringComparison.Ordinal) => ReadInteger(node),
            _ => throw Error($"unsupported type '{type}'"),
        };
    }

    private static BigInteger ReadInteger(JsonNode node)
    {
        if (node.GetValueKind() == JsonValueKind.Number)
        {
            return BigInteger.Parse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        var text = node.GetValue<string>();
        return Hex.HasPrefix(text)
            ? BigInteger.Parse("0" + text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
            : BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }

    private static JsonObject WriteStruct(IReadOnlyList<TypedDataField> fields, IReadOnlyDictionary<string, object?> values, IReadOnlyDictionary<string, List<TypedDataField>> types)
    {
        var result = new JsonObject();
        foreach (var field in fields)
        {
            if (!values.TryGetValue(field.Name, out var value))
            {
                throw Error($"'{field.Name}' is missing");
            }

            result[field.Name] = WriteValue(field.Type, value, types);
        }

        return result;
    }

    private static JsonNode? WriteValue(string type, object? value, IReadOnlyDictionary<string, List<TypedDataField>> types)
    {
        if (type.EndsWith(']'))
        {
            var elementType = type[..type.LastIndexOf('[')];
            var array = new JsonArray();
            foreach (var item in (IEnumerable)value!)
            {
                array.Add(WriteValue(elementType, item, types));
            }

            return array;
        }

        if (types.TryGetValue(type, out var fields))
        {
            return WriteStruct(fields, (IReadOnlyDictionary<string, object?>)value!, types);
        }

        return value switch
        {
            string s => JsonValue.Create(s),
            bool b => JsonValue.Create(b),
            EthAddress a => JsonValue.Create(a.ToChecksumString()),
            Hash32 h => JsonValue.Create(h.ToString()),
            byte[] bytes => JsonValue.Create(Hex.Encode(bytes)),
            ReadOnlyMemory<byte> memory => JsonValue.Create(Hex.Encode(memory.Span)),
            _ => WriteInteger(ToBigInteger(value, type)),
        };
    }

    private static BigInteger ToBigInteger(object? value, string type) => value switch
    {
        BigInteger b => b,
        int i => i,
        uint u => u,
        long l => l,
        ulong ul => ul,
        _ => throw Error($"cannot write {value?.GetType().Name ?? "null"} as {type}"),
    };

    private static JsonNode WriteInteger(BigInteger value) =>
        BigInteger.Abs(value) <= MaxSafeInteger ? JsonValue.Create((long)value) : JsonValue.Create(value.ToString(CultureInfo.InvariantCulture));

    private static ChainException Error(string message) => new(ChainErrorReason.InvalidTypedData, "Invalid EIP-712 JSON: " + message + ".");
}
