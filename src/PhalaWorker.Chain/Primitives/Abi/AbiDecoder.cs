using System.Numerics;
using System.Text;

namespace PhalaWorker.Chain.Primitives.Abi;

/// <summary>
/// Strict Solidity ABI decoding: offsets and lengths must stay inside the data, value types must be canonically padded
/// (uintN high bits zero, intN sign-extended, bool 0/1, address high 12 bytes zero, bytesN low bytes zero).
/// </summary>
public static class AbiDecoder
{
    /// <summary>Decodes <paramref name="data"/> as the tuple <paramref name="types"/>; see <see cref="AbiType"/> for the value model.</summary>
    /// <exception cref="ChainException">Malformed data (<see cref="ChainErrorReason.InvalidAbi"/>).</exception>
    public static object?[] Decode(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(types);

        // Offsets may alias, so hostile data could make nested arrays decode the same words over and over.
        // A legitimate encoding spends about one word per value (more only for deeply nested static arrays);
        // allow generous headroom and no more, so decoding work stays linear in the input.
        var budget = Math.Max(4096, 16 * (data.Length / 32));
        return DecodeSequence(types, data, 0, ref budget);
    }

    /// <summary>Decodes a single value.</summary>
    public static object? Decode(AbiType type, ReadOnlySpan<byte> data) => Decode([type], data)[0];

    /// <summary>Decodes one 32-byte indexed event topic of a value type (dynamic types arrive as their keccak256 hash).</summary>
    public static object? DecodeTopic(AbiType type, Hash32 topic)
    {
        ArgumentNullException.ThrowIfNull(type);
        var budget = 1;
        return type.IsDynamic || type.Kind is AbiTypeKind.Tuple or AbiTypeKind.FixedArray ? topic : DecodeValue(type, topic.AsSpan(), 0, 0, ref budget);
    }

    private static object?[] DecodeSequence(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data, int depth, ref int budget)
    {
        if (depth > 64)
        {
            throw Error("nesting too deep");
        }

        var values = new object?[types.Count];
        var head = 0;
        for (var i = 0; i < types.Count; i++)
        {
            var type = types[i];
            if (type.IsDynamic)
            {
                var offset = ReadLength(data, head, "offset");
                values[i] = DecodeValue(type, data, offset, depth, ref budget);
                head += 32;
            }
            else
            {
                values[i] = DecodeValue(type, data, head, depth, ref budget);
                head += type.StaticSize;
            }
        }

        return values;
    }

    private static object? DecodeValue(AbiType type, ReadOnlySpan<byte> data, int position, int depth, ref int budget)
    {
        if (--budget < 0)
        {
            throw Error("too many values for the data size (aliased offsets?)");
        }

        switch (type.Kind)
        {
            case AbiTypeKind.UInt:
            {
                var word = Word(data, position);
                var value = new BigInteger(word, isUnsigned: true, isBigEndian: true);
                return value.GetBitLength() <= type.Size ? value : throw Error($"value does not fit {type}");
            }

            case AbiTypeKind.Int:
            {
                var word = Word(data, position);
                var value = new BigInteger(word, isUnsigned: false, isBigEndian: true);
                var max = (BigInteger.One << (type.Size - 1)) - 1;
                return value <= max && value >= -max - 1 ? value : throw Error($"value does not fit {type}");
            }

            case AbiTypeKind.Address:
            {
                var word = Word(data, position);
                return word[..12].IndexOfAnyExcept((byte)0) < 0 ? new EthAddress(word[12..]) : throw Error("address has non-zero high bytes");
            }

            case AbiTypeKind.Bool:
            {
                var word = Word(data, position);
                return word[..31].IndexOfAnyExcept((byte)0) < 0 && word[31] <= 1 ? word[31] == 1 : throw Error("bool is not 0 or 1");
            }

            case AbiTypeKind.FixedBytes:
            {
                var word = Word(data, position);
                return word[type.Size..].IndexOfAnyExcept((byte)0) < 0 ? word[..type.Size].ToArray() : throw Error($"{type} has non-zero padding");
            }

            case AbiTypeKind.Bytes:
            case AbiTypeKind.String:
            {
                var length = ReadLength(data, position, "length");
                var start = position + 32;
                if (length > data.Length - start)
                {
                    throw Error($"{type} of {length} bytes runs past the end");
                }

                var bytes = data.Slice(start, length);
                if (type.Kind == AbiTypeKind.Bytes)
                {
                    return bytes.ToArray();
                }

                try
                {
                    return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
                }
                catch (DecoderFallbackException e)
                {
                    throw new ChainException(ChainErrorReason.InvalidAbi, "ABI decoding failed: string is not valid UTF-8.", e);
                }
            }

            case AbiTypeKind.FixedArray:
                return DecodeSequence(Enumerable.Repeat(type.ElementType!, type.Size).ToArray(), Rest(data, position), depth + 1, ref budget);
            case AbiTypeKind.Array:
            {
                var count = ReadLength(data, position, "array length");
                var rest = Rest(data, position + 32);
                var elementHead = type.ElementType!.HeadSize;
                if (elementHead > 0 ? count > rest.Length / elementHead : count > rest.Length)
                {
                    throw Error($"array of {count} elements runs past the end");
                }

                return DecodeSequence(Enumerable.Repeat(type.ElementType!, count).ToArray(), rest, depth + 1, ref budget);
            }

            default:
                return DecodeSequence(type.Components.Select(c => c.Type).ToArray(), Rest(data, position), depth + 1, ref budget);
        }
    }

    private static ReadOnlySpan<byte> Rest(ReadOnlySpan<byte> data, int position) =>
        position <= data.Length ? data[position..] : throw Error("offset runs past the end");

    private static ReadOnlySpan<byte> Word(ReadOnlySpan<byte> data, int position) =>
        position >= 0 && position <= data.Length - 32 ? data.Slice(position, 32) : throw Error("data too short");

    private static int ReadLength(ReadOnlySpan<byte> data, int position, string what)
    {
        var word = Word(data, position);
        if (word[..28].IndexOfAnyExcept((byte)0) >= 0 || word[28] >= 0x80)
        {
            throw Error($"{what} too large");
        }

        var value = (word[28] << 24) | (word[29] << 16) | (word[30] << 8) | word[31];
        if (what == "offset" && value > data.Length)
        {
            throw Error("offset runs past the end");
        }

        return value;
    }

    private static ChainException Error(string message) => new(ChainErrorReason.InvalidAbi, "ABI decoding failed: " + message + ".");
}
