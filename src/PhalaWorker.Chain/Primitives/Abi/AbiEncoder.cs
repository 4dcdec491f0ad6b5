using System.Buffers;
using System.Collections;
using System.Numerics;
using System.Text;

namespace PhalaWorker.Chain.Primitives.Abi;

/// <summary>Solidity ABI encoding (<c>abi.encode</c>): heads then tails, 32-byte words, offsets relative to the enclosing tuple.</summary>
public static class AbiEncoder
{
    /// <summary>Encodes <paramref name="values"/> as the tuple <paramref name="types"/>.</summary>
    /// <exception cref="ChainException">A value does not fit its type (<see cref="ChainErrorReason.InvalidAbi"/>).</exception>
    public static byte[] Encode(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        var writer = new ArrayBufferWriter<byte>(Math.Max(32, types.Sum(t => t.HeadSize)));
        EncodeSequence(writer, types, values);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes a single value.</summary>
    public static byte[] Encode(AbiType type, object? value) => Encode([type], [value]);

    /// <summary>Encodes values for parameters given as type strings, e.g. <c>Encode(["uint256", "address"], [1, addr])</c>.</summary>
    public static byte[] Encode(IReadOnlyList<string> types, IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(types);
        return Encode([.. types.Select(AbiType.Parse)], values);
    }

    /// <summary>Encodes one value the way Solidity computes an indexed event topic: value types as their 32-byte word,
    /// dynamic types and tuples as keccak256 of their in-place encoding.</summary>
    public static Hash32 EncodeTopic(AbiType type, object? value)
    {
        ArgumentNullException.ThrowIfNull(type);
        var writer = new ArrayBufferWriter<byte>(64);
        if (type.Kind is AbiTypeKind.Bytes or AbiTypeKind.String or AbiTypeKind.Array or AbiTypeKind.FixedArray or AbiTypeKind.Tuple)
        {
            EncodeInPlace(writer, type, value);
            return Keccak256.Hash(writer.WrittenSpan);
        }

        EncodeValue(writer, type, value);
        return new Hash32(writer.WrittenSpan);
    }

    internal static void EncodeSequence(IBufferWriter<byte> writer, IReadOnlyList<AbiType> types, IReadOnlyList<object?> values)
    {
        if (types.Count != values.Count)
        {
            throw Error($"expected {types.Count} values, got {values.Count}");
        }

        var headSize = 0;
        foreach (var type in types)
        {
            headSize += type.HeadSize;
        }

        byte[]?[] tails = new byte[types.Count][];
        var offset = headSize;
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i].IsDynamic)
            {
                var tail = new ArrayBufferWriter<byte>();
                EncodeValue(tail, types[i], values[i]);
                WriteWord(writer, new BigInteger(offset));
                tails[i] = tail.WrittenSpan.ToArray();
                offset += tails[i]!.Length;
            }
            else
            {
                EncodeValue(writer, types[i], values[i]);
            }
        }

        foreach (var tail in tails)
        {
            if (tail is not null)
            {
                writer.Write(tail);
            }
        }
    }

    private static void EncodeValue(IBufferWriter<byte> writer, AbiType type, object? value)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.UInt:
            case AbiTypeKind.Int:
                WriteInteger(writer, type, ToBigInteger(value, type));
                break;
            case AbiTypeKind.Address:
            {
                var address = value switch
                {
                    EthAddress a => a,
                    string s => EthAddress.Parse(s),
                    _ => throw Error($"expected an address for {type}, got {Describe(value)}"),
                };
                var word = writer.GetSpan(32)[..32];
                word[..12].Clear();
                address.AsSpan().CopyTo(word[12..]);
                writer.Advance(32);
                break;
            }

            case AbiTypeKind.Bool:
                WriteWord(writer, value is bool b ? (b ? BigInteger.One : BigInteger.Zero) : throw Error($"expected a bool, got {Describe(value)}"));
                break;
            case AbiTypeKind.FixedBytes:
            {
                var bytes = ToBytes(value, type);
                if (bytes.Length != type.Size)
                {
                    throw Error($"{type} needs exactly {type.Size} bytes, got {bytes.Length}");
                }

                WritePadded(writer, bytes);
                break;
            }

            case AbiTypeKind.Bytes:
            case AbiTypeKind.String:
            {
                var bytes = type.Kind == AbiTypeKind.String
                    ? Encoding.UTF8.GetBytes(value as string ?? throw Error($"expected a string, got {Describe(value)}"))
                    : ToBytes(value, type);
                WriteWord(writer, new BigInteger(bytes.Length));
                WritePadded(writer, bytes);
                break;
            }

            case AbiTypeKind.FixedArray:
            {
                var items = ToList(value, type);
                if (items.Count != type.Size)
                {
                    throw Error($"{type} needs exactly {type.Size} elements, got {items.Count}");
                }

                EncodeSequence(writer, Enumerable.Repeat(type.ElementType!, items.Count).ToArray(), items);
                break;
            }

            case AbiTypeKind.Array:
            {
                var items = ToList(value, type);
                WriteWord(writer, new BigInteger(items.Count));
                EncodeSequence(writer, Enumerable.Repeat(type.ElementType!, items.Count).ToArray(), items);
                break;
            }

            case AbiTypeKind.Tuple:
                EncodeSequence(writer, type.Components.Select(c => c.Type).ToArray(), ToList(value, type));
                break;
        }
    }

    // Solidity's in-place encoding for indexed topics: no length words or offsets, each element padded to 32 bytes.
    private static void EncodeInPlace(IBufferWriter<byte> writer, AbiType type, object? value)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.Bytes:
                writer.Write(ToBytes(value, type));
                break;
            case AbiTypeKind.String:
                writer.Write(Encoding.UTF8.GetBytes(value as string ?? throw Error($"expected a string, got {Describe(value)}")));
                break;
            case AbiTypeKind.Array:
            case AbiTypeKind.FixedArray:
                foreach (var item in ToList(value, type))
                {
                    EncodeInPlacePadded(writer, type.ElementType!, item);
                }

                break;
            case AbiTypeKind.Tuple:
            {
                var items = ToList(value, type);
                for (var i = 0; i < type.Components.Count; i++)
                {
                    EncodeInPlacePadded(writer, type.Components[i].Type, items[i]);
                }

                break;
            }

            default:
                EncodeValue(writer, type, value);
                break;
        }
    }

    private static void EncodeInPlacePadded(IBufferWriter<byte> writer, AbiType type, object? value)
    {
        if (type.Kind is AbiTypeKind.Bytes or AbiTypeKind.String)
        {
            var inner = new ArrayBufferWriter<byte>();
            EncodeInPlace(inner, type, value);
            WritePadded(writer, inner.WrittenSpan);
        }
        else
        {
            EncodeInPlace(writer, type, value);
        }
    }

    internal static void WriteWord(IBufferWriter<byte> writer, BigInteger value)
    {
        var word = writer.GetSpan(32)[..32];
        word.Clear();
        if (!value.IsZero)
        {
            var length = value.GetByteCount(isUnsigned: true);
            value.TryWriteBytes(word[(32 - length)..], out _, isUnsigned: true, isBigEndian: true);
        }

        writer.Advance(32);
    }

    private static void WriteInteger(IBufferWriter<byte> writer, AbiType type, BigInteger value)
    {
        var bits = type.Size;
        if (type.Kind == AbiTypeKind.UInt)
        {
            if (value.Sign < 0 || value.GetBitLength() > bits)
            {
                throw Error($"{value} does not fit {type}");
            }

            WriteWord(writer, value);
            return;
        }

        var max = (BigInteger.One << (bits - 1)) - 1;
        if (value > max || value < -max - 1)
        {
            throw Error($"{value} does not fit {type}");
        }

        var word = writer.GetSpan(32)[..32];
        word.Fill(value.Sign < 0 ? (byte)0xff : (byte)0);
        var length = value.GetByteCount(isUnsigned: false);
        value.TryWriteBytes(word[(32 - length)..], out _, isUnsigned: false, isBigEndian: true);
        writer.Advance(32);
    }

    private static void WritePadded(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        var padded = (bytes.Length + 31) / 32 * 32;
        var span = writer.GetSpan(padded)[..padded];
        bytes.CopyTo(span);
        span[bytes.Length..].Clear();
        writer.Advance(padded);
    }

    private static BigInteger ToBigInteger(object? value, AbiType type) => value switch
    {
        BigInteger b => b,
        int i => i,
        uint u => u,
        long l => l,
        ulong ul => ul,
        short s => s,
        ushort us => us,
        byte by => by,
        sbyte sb => sb,
        UInt128 u128 => (BigInteger)u128,
        Int128 i128 => (BigInteger)i128,
        string s when Hex.HasPrefix(s) => new BigInteger(Hex.Decode(s.Length % 2 == 1 ? "0" + s[2..] : s), isUnsigned: true, isBigEndian: true),
        string s => BigInteger.Parse(s, System.Globalization.CultureInfo.InvariantCulture),
        _ => throw Error($"expected an integer for {type}, got {Describe(value)}"),
    };

    private static byte[] ToBytes(object? value, AbiType type) => value switch
    {
        byte[] bytes => bytes,
        ReadOnlyMemory<byte> memory => memory.ToArray(),
        Memory<byte> memory => memory.ToArray(),
        Hash32 hash => hash.ToArray(),
        EthAddress address => address.ToArray(),
        string s when Hex.HasPrefix(s) => Hex.Decode(s),
        _ => throw Error($"expected bytes for {type}, got {Describe(value)}"),
    };

    private static IReadOnlyList<object?> ToList(object? value, AbiType type) => value switch
    {
        IReadOnlyList<object?> list => list,
        string or byte[] => throw Error($"expected a list for {type}, got {Describe(value)}"),
        IEnumerable enumerable => enumerable.Cast<object?>().ToArray(),
        System.Runtime.CompilerServices.ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => tuple[i]).ToArray(),
        _ => throw Error($"expected a list for {type}, got {Describe(value)}"),
    };

    private static string Describe(object? value) => value is null ? "null" : value.GetType().Name;

    private static ChainException Error(string message) => new(ChainErrorReason.InvalidAbi, "ABI encoding failed: " + message + ".");
}
