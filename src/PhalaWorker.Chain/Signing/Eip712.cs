using System.Buffers;
using System.Collections;
using System.Text;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Abi;

namespace PhalaWorker.Chain.Signing;

/// <summary>EIP-712: encodeType, hashStruct, the domain separator and the signing digest.</summary>
public static class Eip712
{
    /// <summary>The name of the domain type.</summary>
    public const string DomainTypeName = "EIP712Domain";

    /// <summary>keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(primaryType, message)).</summary>
    /// <exception cref="ChainException">The data does not match its types (<see cref="ChainErrorReason.InvalidTypedData"/>).</exception>
    public static Hash32 HashTypedData(TypedData typedData)
    {
        ArgumentNullException.ThrowIfNull(typedData);
        var domainSeparator = HashDomain(typedData.Domain);
        var messageHash = HashStruct(typedData.PrimaryType, typedData.Message, typedData.Types);
        return Digest(domainSeparator, messageHash);
    }

    /// <summary>keccak256(0x19 0x01 ‖ domainSeparator ‖ structHash).</summary>
    public static Hash32 Digest(Hash32 domainSeparator, Hash32 structHash)
    {
        Span<byte> buffer = stackalloc byte[66];
        buffer[0] = 0x19;
        buffer[1] = 0x01;
        domainSeparator.CopyTo(buffer[2..]);
        structHash.CopyTo(buffer[34..]);
        return Keccak256.Hash(buffer);
    }

    /// <summary>The domain separator: hashStruct("EIP712Domain", domain).</summary>
    public static Hash32 HashDomain(Eip712Domain domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var types = new Dictionary<string, IReadOnlyList<TypedDataField>>(StringComparer.Ordinal) { [DomainTypeName] = domain.GetFields() };
        return HashStruct(DomainTypeName, domain.ToMessage(), types);
    }

    /// <summary>keccak256(encodeData(type, data)).</summary>
    public static Hash32 HashStruct(string primaryType, IReadOnlyDictionary<string, object?> data, IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> types)
    {
        var writer = new ArrayBufferWriter<byte>(256);
        EncodeData(writer, primaryType, data, types, depth: 0);
        return Keccak256.Hash(writer.WrittenSpan);
    }

    /// <summary>encodeData: typeHash ‖ each member encoded to 32 bytes.</summary>
    public static byte[] EncodeData(string primaryType, IReadOnlyDictionary<string, object?> data, IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> types)
    {
        var writer = new ArrayBufferWriter<byte>(256);
        EncodeData(writer, primaryType, data, types, depth: 0);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>keccak256(encodeType(type)).</summary>
    public static Hash32 HashType(string primaryType, IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> types) =>
        Keccak256.Hash(Encoding.UTF8.GetBytes(EncodeType(primaryType, types)));

    /// <summary><c>Primary(type name,...)</c> followed by every referenced struct type, sorted by name.</summary>
    public static string EncodeType(string primaryType, IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> types)
    {
        ArgumentNullException.ThrowIfNull(primaryType);
        ArgumentNullException.ThrowIfNull(types);
        var dependencies = new SortedSet<string>(StringComparer.Ordinal);
        CollectDependencies(primaryType, types, dependencies);
        dependencies.Remove(primaryType);
        var builder = new StringBuilder();
        foreach (var name in new[] { primaryType }.Concat(dependencies))
        {
            builder.Append(name).Append('(');
            builder.AppendJoin(',', types[name].Select(f => f.Type + " " + f.Name));
            builder.Append(')');
        }

        return builder.ToString();
    }

    private static void CollectDependencies(string type, IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> types, SortedSet<string> found)
    {
        if (!types.TryGetValue(type, out var fields))
        {
            throw Error($"type '{type}' is not defined");
        }

        if (!found.Add(type))
        {
            return;
        }

        foreach (var field in fields)
        {
            var baseType = BaseType(field.Type);
            if (types.ContainsKey(baseType))
            {
                CollectDependencies(baseType, types, found);
            }
        }
    }

    private static void EncodeData(IBufferWriter<byte> writer, string type, IReadOnlyDictionary<string, object?> data,
        IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> types, int depth)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (depth > 32)
        {
            throw Error("structs nested deeper than 32 (recursive type?)");
        }

        writer.Write(HashType(type, types).AsSpan());
        foreach (var field in types[type])
        {
            if (!data.TryGetValue(field.Name, out var value))
            {
                throw Error($"'{type}.{field.Name}' is missing");
            }

            EncodeField(writer, field.Type, value, types, depth, $"{type}.{field.Name}");
        }
    }

    private static void EncodeField(IBufferWriter<byte> writer, string fieldType, object? value,
        IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> types, int depth, string path)
    {
        if (fieldType.EndsWith(']'))
        {
            var open = fieldType.LastIndexOf('[');
            var elementType = fieldType[..open];
            var lengthText = fieldType[(open + 1)..^1];
            if (value is not IEnumerable items || value is string or byte[])
            {
                throw Error($"'{path}' must be an array");
            }

            var elements = items.Cast<object?>().ToList();
            if (lengthText.Length > 0 && elements.Count != int.Parse(lengthText, System.Globalization.CultureInfo.InvariantCulture))
            {
                throw Error($"'{path}' must have {lengthText} elements");
            }

            var inner = new ArrayBufferWriter<byte>(32 * Math.Max(1, elements.Count));
            for (var i = 0; i < elements.Count; i++)
            {
                EncodeField(inner, elementType, elements[i], types, depth, $"{path}[{i}]");
            }

            writer.Write(Keccak256.Hash(inner.WrittenSpan).AsSpan());
            return;
        }

        if (types.ContainsKey(fieldType))
        {
            if (value is not IReadOnlyDictionary<string, object?> nested)
            {
                throw Error($"'{path}' must be a {fieldType} struct");
            }

            var inner = new ArrayBufferWriter<byte>(256);
            EncodeData(inner, fieldType, nested, types, depth + 1);
            writer.Write(Keccak256.Hash(inner.WrittenSpan).AsSpan());
            return;
        }

        try
        {
            switch (fieldType)
            {
                case "string":
                    writer.Write(Keccak256.Hash(Encoding.UTF8.GetBytes(value as string ?? throw Error($"'{path}' must be a string"))).AsSpan());
                    return;
                case "bytes":
                    writer.Write(Keccak256.Hash(ToBytes(value, path)).AsSpan());
                    return;
                default:
                    var abiType = AbiType.Parse(fieldType);
                    if (abiType.IsDynamic || abiType.Kind == AbiTypeKind.Tuple)
                    {
                        throw Error($"'{path}' has unsupported type '{fieldType}'");
                    }

                    writer.Write(AbiEncoder.Encode(abiType, value is string s && abiType.Kind == AbiTypeKind.FixedBytes ? Hex.Decode(s) : value));
                    return;
            }
        }
        catch (ChainException e) when (e.Reason == ChainErrorReason.InvalidAbi)
        {
            throw new ChainException(ChainErrorReason.InvalidTypedData, $"Invalid EIP-712 data: '{path}' ({fieldType}): {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new ChainException(ChainErrorReason.InvalidTypedData, $"Invalid EIP-712 data: '{path}' ({fieldType}): {e.Message}", e);
        }
    }

    internal static string BaseType(string type)
    {
        var bracket = type.IndexOf('[', StringComparison.Ordinal);
        return bracket < 0 ? type : type[..bracket];
    }

    private static byte[] ToBytes(object? value, string path) => value switch
    {
        byte[] bytes => bytes,
        ReadOnlyMemory<byte> memory => memory.ToArray(),
        Hash32 hash => hash.ToArray(),
        string s => Hex.Decode(s),
        _ => throw Error($"'{path}' must be bytes"),
    };

    private static ChainException Error(string message) => new(ChainErrorReason.InvalidTypedData, "Invalid EIP-712 data: " + message + ".");
}
