using System.Buffers;
using System.Globalization;
using System.Numerics;

namespace PhalaWorker.Chain.Primitives;

/// <summary>Strict hexadecimal encoding: even length, hex digits only, optional <c>0x</c> prefix.</summary>
public static class Hex
{
    /// <summary>Lower-case hex with a <c>0x</c> prefix (or without when <paramref name="prefix"/> is false).</summary>
    public static string Encode(ReadOnlySpan<byte> data, bool prefix = true)
    {
        if (!prefix)
        {
            return Convert.ToHexStringLower(data);
        }

        return string.Create(2 + (data.Length * 2), data, static (span, bytes) =>
        {
            span[0] = '0';
            span[1] = 'x';
            Convert.TryToHexStringLower(bytes, span[2..], out _);
        });
    }

    /// <summary>Decodes hex (optional <c>0x</c>/<c>0X</c> prefix).</summary>
    /// <exception cref="FormatException">Odd length or a non-hex character.</exception>
    public static byte[] Decode(ReadOnlySpan<char> hex)
    {
        hex = StripPrefix(hex);
        if ((hex.Length & 1) != 0)
        {
            throw new FormatException("Hex string has an odd number of digits.");
        }

        var result = new byte[hex.Length / 2];
        if (Convert.FromHexString(hex, result, out _, out _) != OperationStatus.Done)
        {
            throw new FormatException("Hex string contains a non-hex character.");
        }

        return result;
    }

    /// <summary>Decodes hex into <paramref name="destination"/>; false on bad input or size mismatch.</summary>
    public static bool TryDecode(ReadOnlySpan<char> hex, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        hex = StripPrefix(hex);
        if ((hex.Length & 1) != 0 || hex.Length / 2 > destination.Length)
        {
            return false;
        }

        return Convert.FromHexString(hex, destination, out _, out bytesWritten) == OperationStatus.Done;
    }

    /// <summary>Decodes exactly <paramref name="destination"/>.Length bytes of hex.</summary>
    /// <exception cref="FormatException">Bad hex or a different length.</exception>
    public static void DecodeExact(ReadOnlySpan<char> hex, Span<byte> destination)
    {
        if (!TryDecode(hex, destination, out var written) || written != destination.Length)
        {
            throw new FormatException($"Expected {destination.Length} bytes of hex.");
        }
    }

    /// <summary>Whether <paramref name="hex"/> starts with <c>0x</c> or <c>0X</c>.</summary>
    public static bool HasPrefix(ReadOnlySpan<char> hex) =>
        hex.Length >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X');

    /// <summary>A JSON-RPC quantity: <c>0x</c> + lower-case hex without leading zeros (<c>0x0</c> for zero).</summary>
    public static string FormatQuantity(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>A JSON-RPC quantity of a non-negative integer.</summary>
    public static string FormatQuantity(BigInteger value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value.IsZero)
        {
            return "0x0";
        }

        return "0x" + Convert.ToHexStringLower(value.ToByteArray(isUnsigned: true, isBigEndian: true)).TrimStart('0');
    }

    /// <summary>Parses a JSON-RPC quantity (<c>0x</c> prefix required, 1..64 hex digits; leading zeros tolerated).</summary>
    /// <exception cref="FormatException">Not a quantity.</exception>
    public static BigInteger ParseQuantity(ReadOnlySpan<char> quantity)
    {
        if (!HasPrefix(quantity) || quantity.Length < 3 || quantity.Length > 66
            || !BigInteger.TryParse(string.Concat("0", quantity[2..]), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"'{quantity}' is not a hex quantity.");
        }

        return value;
    }

    /// <summary>Parses a JSON-RPC quantity that must fit 64 bits.</summary>
    /// <exception cref="FormatException">Not a quantity, or larger than 64 bits.</exception>
    public static ulong ParseQuantityUInt64(ReadOnlySpan<char> quantity)
    {
        var value = ParseQuantity(quantity);
        return value <= ulong.MaxValue ? (ulong)value : throw new FormatException($"'{quantity}' does not fit 64 bits.");
    }

    private static ReadOnlySpan<char> StripPrefix(ReadOnlySpan<char> hex) => HasPrefix(hex) ? hex[2..] : hex;
}
