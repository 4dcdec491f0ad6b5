using System.Buffers.Binary;
using System.Numerics;

namespace PhalaWorker.Chain.Primitives.Rlp;

/// <summary>
/// Writes canonical RLP. Lists are opened with <see cref="StartList"/> and closed with <see cref="EndList"/>;
/// the header is inserted when the list closes, so callers never compute payload lengths.
/// </summary>
public sealed class RlpWriter
{
    private readonly Stack<int> _openLists = new();
    private byte[] _buffer;
    private int _length;

    public RlpWriter(int initialCapacity = 256)
    {
        _buffer = new byte[Math.Max(16, initialCapacity)];
    }

    /// <summary>The bytes written so far (all lists must be closed for this to be a complete encoding).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>A copy of the encoding.</summary>
    /// <exception cref="InvalidOperationException">A list is still open.</exception>
    public byte[] ToArray()
    {
        if (_openLists.Count != 0)
        {
            throw new InvalidOperationException($"{_openLists.Count} RLP list(s) still open.");
        }

        return WrittenSpan.ToArray();
    }

    /// <summary>Writes a byte string.</summary>
    public RlpWriter WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 1 && bytes[0] < 0x80)
        {
            Reserve(1)[0] = bytes[0];
            return this;
        }

        WriteHeader(0x80, bytes.Length);
        bytes.CopyTo(Reserve(bytes.Length));
        return this;
    }

    /// <summary>Writes a UTF-8 string as a byte string.</summary>
    public RlpWriter WriteString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return WriteBytes(System.Text.Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Writes an unsigned integer: big-endian, no leading zeros, zero as the empty string.</summary>
    public RlpWriter WriteUInt64(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return WriteBytes(bytes[(BitOperations.LeadingZeroCount(value) / 8)..]);
    }

    /// <summary>Writes a non-negative integer (uint256 and beyond): big-endian, no leading zeros.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public RlpWriter WriteBigInteger(BigInteger value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value.IsZero)
        {
            return WriteBytes([]);
        }

        return WriteBytes(value.ToByteArray(isUnsigned: true, isBigEndian: true));
    }

    /// <summary>Writes a 20-byte address.</summary>
    public RlpWriter WriteAddress(EthAddress address) => WriteBytes(address.AsSpan());

    /// <summary>Writes an optional address (<c>null</c> is the empty string, as for contract creation).</summary>
    public RlpWriter WriteAddress(EthAddress? address) => address is { } a ? WriteBytes(a.AsSpan()) : WriteBytes([]);

    /// <summary>Writes an already-encoded RLP item verbatim.</summary>
    public RlpWriter WriteEncoded(ReadOnlySpan<byte> encodedItem)
    {
        encodedItem.CopyTo(Reserve(encodedItem.Length));
        return this;
    }

    /// <summary>Opens a list; every item written until the matching <see cref="EndList"/> is its payload.</summary>
    public RlpWriter StartList()
    {
        _openLists.Push(_length);
        return this;
    }

    /// <summary>Closes the innermost open list.</summary>
    public RlpWriter EndList()
    {
        if (!_openLists.TryPop(out var start))
        {
            throw new InvalidOperationException("No RLP list is open.");
        }

        var payloadLength = _length - start;
        var headerLength = HeaderLength(payloadLength);
        Reserve(headerLength);
        Array.Copy(_buffer, start, _buffer, start + headerLength, payloadLength);
        WriteHeaderAt(_buffer.AsSpan(start, headerLength), 0xc0, payloadLength);
        return this;
    }

    /// <summary>Writes an empty list.</summary>
    public RlpWriter WriteEmptyList() => StartList().EndList();

    /// <summary>Encodes one byte string.</summary>
    public static byte[] EncodeBytes(ReadOnlySpan<byte> bytes) => new RlpWriter(bytes.Length + 9).WriteBytes(bytes).ToArray();

    /// <summary>The length of a header for a payload of <paramref name="payloadLength"/> bytes.</summary>
    internal static int HeaderLength(int payloadLength) =>
        payloadLength < 56 ? 1 : 1 + ((32 - BitOperations.LeadingZeroCount((uint)payloadLength) + 7) / 8);

    private void WriteHeader(byte offset, int payloadLength)
    {
        WriteHeaderAt(Reserve(HeaderLength(payloadLength)), offset, payloadLength);
    }

    private static void WriteHeaderAt(Span<byte> header, byte offset, int payloadLength)
    {
        if (payloadLength < 56)
        {
            header[0] = (byte)(offset + payloadLength);
            return;
        }

        var lengthOfLength = header.Length - 1;
        header[0] = (byte)(offset + 55 + lengthOfLength);
        for (var i = lengthOfLength; i >= 1; i--)
        {
            header[i] = (byte)payloadLength;
            payloadLength >>= 8;
        }
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
