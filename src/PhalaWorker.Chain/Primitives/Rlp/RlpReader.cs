using System.Buffers.Binary;
using System.Numerics;

namespace PhalaWorker.Chain.Primitives.Rlp;

/// <summary>
/// Strict RLP reader over a span, rejecting what go-ethereum rejects: non-canonical sizes (a long form for a
/// payload under 56 bytes, length-of-length with leading zeros), a single byte below 0x80 wrapped in a string
/// header, lengths past the end, and (through <see cref="EnsureEnd"/>) trailing bytes.
/// </summary>
public ref struct RlpReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public RlpReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Whether every byte has been read.</summary>
    public readonly bool IsEnd => _position >= _data.Length;

    /// <summary>The bytes not read yet.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>Whether the next item is a list.</summary>
    public readonly bool IsNextList
    {
        get
        {
            if (IsEnd)
            {
                throw Error("unexpected end of input");
            }

            return _data[_position] >= 0xc0;
        }
    }

    /// <summary>Reads a byte string (its payload).</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        var (isList, offset, length) = ReadHeader();
        if (isList)
        {
            throw Error("expected a byte string, found a list");
        }

        return Take(offset, length);
    }

    /// <summary>Reads a list and returns a reader over its payload.</summary>
    public RlpReader ReadList()
    {
        var (isList, offset, length) = ReadHeader();
        if (!isList)
        {
            throw Error("expected a list, found a byte string");
        }

        return new RlpReader(Take(offset, length));
    }

    /// <summary>Reads the next item (header included) without interpreting it.</summary>
    public ReadOnlySpan<byte> ReadEncodedItem()
    {
        var start = _position;
        var (_, offset, length) = ReadHeader();
        Take(offset, length);
        return _data[start.._position];
    }

    /// <summary>Reads a canonical unsigned integer of at most 64 bits.</summary>
    public ulong ReadUInt64()
    {
        var bytes = ReadIntegerBytes(8);
        ulong value = 0;
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>Reads a canonical unsigned integer of at most <paramref name="maxBytes"/> bytes (32: uint256).</summary>
    public BigInteger ReadBigInteger(int maxBytes = 32)
    {
        var bytes = ReadIntegerBytes(maxBytes);
        return bytes.IsEmpty ? BigInteger.Zero : new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Reads a 20-byte address.</summary>
    public EthAddress ReadAddress()
    {
        var bytes = ReadBytes();
        return bytes.Length == EthAddress.Size ? new EthAddress(bytes) : throw Error($"expected a 20-byte address, got {bytes.Length} bytes");
    }

    /// <summary>Reads an address or the empty string (contract creation).</summary>
    public EthAddress? ReadOptionalAddress()
    {
        var bytes = ReadBytes();
        return bytes.Length switch
        {
            0 => null,
            EthAddress.Size => new EthAddress(bytes),
            _ => throw Error($"expected a 20-byte address or empty, got {bytes.Length} bytes"),
        };
    }

    /// <summary>Reads exactly 32 bytes.</summary>
    public Hash32 ReadHash32()
    {
        var bytes = ReadBytes();
        return bytes.Length == Hash32.Size ? new Hash32(bytes) : throw Error($"expected 32 bytes, got {bytes.Length}");
    }

    /// <summary>Throws unless every byte has been read.</summary>
    public readonly void EnsureEnd()
    {
        if (!IsEnd)
        {
            throw Error($"{Remaining} trailing byte(s)");
        }
    }

    private ReadOnlySpan<byte> ReadIntegerBytes(int maxBytes)
    {
        var bytes = ReadBytes();
        if (bytes.Length > maxBytes)
        {
            throw Error($"integer of {bytes.Length} bytes exceeds {maxBytes}");
        }

        if (bytes.Length > 0 && bytes[0] == 0)
        {
            throw Error("integer has leading zero bytes");
        }

        return bytes;
    }

    private ReadOnlySpan<byte> Take(int offset, int length)
    {
        var payload = _data.Slice(_position + offset, length);
        _position += offset + length;
        return payload;
    }

    /// <summary>Parses the header at the current position: (list?, header size, payload size), all checked against the input.</summary>
    private readonly (bool IsList, int Offset, int Length) ReadHeader()
    {
        if (IsEnd)
        {
            throw Error("unexpected end of input");
        }

        var remaining = _data[_position..];
        var prefix = remaining[0];
        switch (prefix)
        {
            case < 0x80:
                return (false, 0, 1);
            case <= 0xb7:
            {
                var length = prefix - 0x80;
                CheckFits(remaining, 1, length);
                if (length == 1 && remaining[1] < 0x80)
                {
                    throw Error("single byte below 0x80 must not have a string header");
                }

                return (false, 1, length);
            }

            case <= 0xbf:
                return (false, 1 + (prefix - 0xb7), ReadLongLength(remaining, prefix - 0xb7));
            case <= 0xf7:
            {
                var length = prefix - 0xc0;
                CheckFits(remaining, 1, length);
                return (true, 1, length);
            }

            default:
                return (true, 1 + (prefix - 0xf7), ReadLongLength(remaining, prefix - 0xf7));
        }
    }

    private static int ReadLongLength(ReadOnlySpan<byte> remaining, int lengthOfLength)
    {
        if (remaining.Length < 1 + lengthOfLength)
        {
            throw Error("length of length runs past the end of input");
        }

        var lengthBytes = remaining.Slice(1, lengthOfLength);
        if (lengthBytes[0] == 0)
        {
            throw Error("length has leading zero bytes (non-canonical)");
        }

        Span<byte> padded = stackalloc byte[8];
        padded.Clear();
        lengthBytes.CopyTo(padded[(8 - lengthOfLength)..]);
        var length = BinaryPrimitives.ReadUInt64BigEndian(padded);
        if (length < 56)
        {
            throw Error("long form used for a payload under 56 bytes (non-canonical)");
        }

        if (length > (ulong)(remaining.Length - 1 - lengthOfLength))
        {
            throw Error("payload runs past the end of input");
        }

        return (int)length;
    }

    private static void CheckFits(ReadOnlySpan<byte> remaining, int offset, int length)
    {
        if (length > remaining.Length - offset)
        {
            throw Error("payload runs past the end of input");
        }
    }

    private static ChainException Error(string message) => new(ChainErrorReason.InvalidRlp, "Invalid RLP: " + message + ".");
}
