using System.Buffers;

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

    private static ReadOnlySpan<char> StripPrefix(ReadOnlySpan<char> hex) => HasPrefix(hex) ? hex[2..] : hex;
}
