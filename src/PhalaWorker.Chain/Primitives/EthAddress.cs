using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Primitives;

/// <summary>A 20-byte Ethereum address. <see cref="ToChecksumString"/> (and ToString) give the EIP-55 checksum form. <c>default</c> is the zero address.</summary>
[JsonConverter(typeof(EthAddressJsonConverter))]
public readonly record struct EthAddress : ISpanFormattable, IParsable<EthAddress>
{
    /// <summary>Size in bytes.</summary>
    public const int Size = 20;

    private static readonly byte[] s_zero = new byte[Size];
    private readonly byte[]? _bytes;

    /// <summary>Copies 20 bytes.</summary>
    /// <exception cref="ArgumentException">Not exactly 20 bytes.</exception>
    public EthAddress(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"An address is {Size} bytes, got {bytes.Length}.", nameof(bytes));
        }

        _bytes = bytes.ToArray();
    }

    /// <summary>The zero address.</summary>
    public static EthAddress Zero => default;

    /// <summary>Whether this is the zero address.</summary>
    public bool IsZero => AsSpan().IndexOfAnyExcept((byte)0) < 0;

    /// <summary>The 20 bytes.</summary>
    public ReadOnlySpan<byte> AsSpan() => _bytes ?? s_zero;

    /// <summary>A copy of the 20 bytes.</summary>
    public byte[] ToArray() => AsSpan().ToArray();

    /// <summary>The address of an uncompressed public key: 64 bytes X‖Y, or 65 bytes with the 0x04 prefix.</summary>
    public static EthAddress FromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length == 65 && publicKey[0] == 0x04)
        {
            publicKey = publicKey[1..];
        }

        if (publicKey.Length != 64)
        {
            throw new ArgumentException("Expected an uncompressed public key (64 bytes, or 65 with the 0x04 prefix).", nameof(publicKey));
        }

        Span<byte> hash = stackalloc byte[Keccak256.Size];
        Keccak256.Hash(publicKey, hash);
        return new EthAddress(hash[12..]);
    }

    /// <summary>The address of a secp256k1 private key.</summary>
    /// <exception cref="ChainException">Not a valid private key.</exception>
    public static EthAddress FromPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        Span<byte> publicKey = stackalloc byte[64];
        Secp256k1.GetPublicKey(privateKey, publicKey);
        return FromPublicKey(publicKey);
    }

    /// <summary>Parses 40 hex digits (<c>0x</c> optional). Mixed case must be a valid EIP-55 checksum.</summary>
    /// <exception cref="FormatException">Bad hex, wrong length or a wrong checksum.</exception>
    public static EthAddress Parse(string s) => Parse(s, null);

    /// <inheritdoc />
    public static EthAddress Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        Span<byte> buffer = stackalloc byte[Size];
        if (!Hex.TryDecode(s, buffer, out var written) || written != Size)
        {
            throw new FormatException($"'{s}' is not a 20-byte hex address.");
        }

        var address = new EthAddress(buffer);
        if (!HasValidCasing(s, address))
        {
            throw new FormatException($"'{s}' has an invalid EIP-55 checksum.");
        }

        return address;
    }

    /// <inheritdoc />
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out EthAddress result)
    {
        result = default;
        Span<byte> buffer = stackalloc byte[Size];
        if (s is null || !Hex.TryDecode(s, buffer, out var written) || written != Size)
        {
            return false;
        }

        var address = new EthAddress(buffer);
        if (!HasValidCasing(s, address))
        {
            return false;
        }

        result = address;
        return true;
    }

    /// <summary>Whether <paramref name="s"/> is an address whose mixed casing is a valid EIP-55 checksum (all-lower/all-upper pass).</summary>
    public static bool IsValidChecksum(string s) => TryParse(s, null, out _);

    /// <summary>The EIP-55 form: hex digit i is upper case iff nibble i of keccak256(lower-case hex) is ≥ 8.</summary>
    public string ToChecksumString()
    {
        Span<char> chars = stackalloc char[2 + (Size * 2)];
        WriteChecksum(chars);
        return new string(chars);
    }

    /// <summary>Lower-case hex with <c>0x</c>.</summary>
    public string ToLowerHexString() => Hex.Encode(AsSpan());

    /// <inheritdoc />
    public bool Equals(EthAddress other) => AsSpan().SequenceEqual(other.AsSpan());

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(AsSpan());

    /// <summary>The EIP-55 checksum form.</summary>
    public override string ToString() => ToChecksumString();

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

        WriteChecksum(destination);
        charsWritten = 2 + (Size * 2);
        return true;
    }

    private void WriteChecksum(Span<char> chars)
    {
        chars[0] = '0';
        chars[1] = 'x';
        var hex = chars.Slice(2, Size * 2);
        Convert.TryToHexStringLower(AsSpan(), hex, out _);
        Span<byte> ascii = stackalloc byte[Size * 2];
        for (var i = 0; i < ascii.Length; i++)
        {
            ascii[i] = (byte)hex[i];
        }

        Span<byte> hash = stackalloc byte[Keccak256.Size];
        Keccak256.Hash(ascii, hash);
        for (var i = 0; i < hex.Length; i++)
        {
            var nibble = (i & 1) == 0 ? hash[i / 2] >> 4 : hash[i / 2] & 0x0f;
            if (nibble >= 8 && hex[i] >= 'a')
            {
                hex[i] = char.ToUpperInvariant(hex[i]);
            }
        }
    }

    private static bool HasValidCasing(string s, EthAddress address)
    {
        var digits = Hex.HasPrefix(s) ? s.AsSpan(2) : s.AsSpan();
        var hasLower = digits.ContainsAnyInRange('a', 'f');
        var hasUpper = digits.ContainsAnyInRange('A', 'F');
        if (!(hasLower && hasUpper))
        {
            return true;
        }

        Span<char> expected = stackalloc char[2 + (Size * 2)];
        address.WriteChecksum(expected);
        return digits.SequenceEqual(expected[2..]);
    }
}
