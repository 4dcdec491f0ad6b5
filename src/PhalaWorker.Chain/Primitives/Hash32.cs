using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace PhalaWorker.Chain.Primitives;

/// <summary>A 32-byte value (a Keccak-256 digest, a bytes32, a transaction hash). <c>default</c> is all zeros.</summary>
[JsonConverter(typeof(Hash32JsonConverter))]
public readonly record struct Hash32 : ISpanFormattable, IParsable<Hash32>
{
    /// <summary>Size in bytes.</summary>
    public const int Size = 32;

    private static readonly byte[] s_zero = new byte[Size];
    private readonly byte[]? _bytes;

    /// <summary>Copies 32 bytes.</summary>
    /// <exception cref="ArgumentException">Not exactly 32 bytes.</exception>
    public Hash32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A Hash32 is {Size} bytes, got {bytes.Length}.", nameof(bytes));
        }

        _bytes = bytes.ToArray();
    }

    /// <summary>All zeros.</summary>
    public static Hash32 Zero => default;

    /// <summary>Whether every byte is zero.</summary>
    public bool IsZero => AsSpan().IndexOfAnyExcept((byte)0) < 0;

    /// <summary>The 32 bytes.</summary>
    public ReadOnlySpan<byte> AsSpan() => _bytes ?? s_zero;

    /// <summary>A copy of the 32 bytes.</summary>
    public byte[] ToArray() => AsSpan().ToArray();

    /// <summary>Parses 64 hex digits, <c>0x</c> optional.</summary>
    /// <exception cref="FormatException">Not 32 bytes of hex.</exception>
    public static Hash32 Parse(string s) => Parse(s, null);

    /// <inheritdoc />
    public static Hash32 Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        return TryParse(s, provider, out var result) ? result : throw new FormatException("Expected 32 bytes of hex.");
    }

    /// <inheritdoc />
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Hash32 result)
    {
        result = default;
        Span<byte> buffer = stackalloc byte[Size];
        if (s is null || !Hex.TryDecode(s, buffer, out var written) || written != Size)
        {
            return false;
        }

        result = new Hash32(buffer);
        return true;
    }

    /// <summary>Copies the bytes into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination) => AsSpan().CopyTo(destination);

    /// <inheritdoc />
    public bool Equals(Hash32 other) => AsSpan().SequenceEqual(other.AsSpan());

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(AsSpan());

    /// <summary>Lower-case hex with <c>0x</c>.</summary>
    public override string ToString() => Hex.Encode(AsSpan());

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        charsWritten = 0;
        if (destination.Length < 2 + (Size * 2))
        {
            return false;
        }

        destination[0] = '0';
        destination[1] = 'x';
        Convert.TryToHexStringLower(AsSpan(), destination[2..], out var written);
        charsWritten = 2 + written;
        return true;
    }

    /// <summary>The raw bytes of a hash.</summary>
    public static implicit operator ReadOnlySpan<byte>(Hash32 hash) => hash.AsSpan();
}
