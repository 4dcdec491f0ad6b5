using System.Globalization;
using System.Numerics;

namespace PhalaWorker.Chain.JsonRpc;

/// <summary>JSON-RPC quantities: 0x-prefixed hex without leading zeros ("0x0" for zero).</summary>
public static class HexQuantity
{
    public static string Format(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    public static string Format(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "Quantities are not negative.");
        }

        if (value.IsZero)
        {
            return "0x0";
        }

        var hex = value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
        return "0x" + hex;
    }

    public static bool TryParseUInt64(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        if (text.Length < 3 || text.Length > 18 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
        {
            return false;
        }

        return ulong.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParseBigInteger(ReadOnlySpan<char> text, out BigInteger value)
    {
        value = BigInteger.Zero;
        if (text.Length < 3 || text.Length > 66 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
        {
            return false;
        }

        // A leading 0 keeps the value positive whatever the first hex digit.
        Span<char> buffer = stackalloc char[text.Length - 1];
        buffer[0] = '0';
        text[2..].CopyTo(buffer[1..]);
        return BigInteger.TryParse(buffer, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    public static ulong ParseUInt64(string text) =>
        TryParseUInt64(text, out var value) ? value : throw new FormatException($"'{text}' is not a 64-bit hex quantity.");

    public static BigInteger ParseBigInteger(string text) =>
        TryParseBigInteger(text, out var value) ? value : throw new FormatException($"'{text}' is not a 256-bit hex quantity.");
}
