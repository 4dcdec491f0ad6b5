using System.Text;
using System.Text.RegularExpressions;

namespace PhalaWorker.Attestation.Tests.Gpu.Rim;

/// <summary>Byte-level edits of a RIM for negative tests (string edits, so nothing but the intended bytes changes).</summary>
internal static partial class RimXmlEdit
{
    public static byte[] Bytes(string xml) => Encoding.UTF8.GetBytes(xml);

    /// <summary>Replaces exactly one occurrence of <paramref name="from"/>; fails the test when it is not unique.</summary>
    public static string ReplaceOnce(string xml, string from, string to)
    {
        var first = xml.IndexOf(from, StringComparison.Ordinal);
        Assert.That(first, Is.GreaterThanOrEqualTo(0), $"'{from}' not in the RIM");
        Assert.That(xml.IndexOf(from, first + 1, StringComparison.Ordinal), Is.LessThan(0), $"'{from}' is not unique");
        return string.Concat(xml.AsSpan(0, first), to, xml.AsSpan(first + from.Length));
    }

    /// <summary>The Resource element with this index.</summary>
    public static string Resource(string xml, int index)
    {
        var match = ResourcePattern().Matches(xml).Single(m => m.Groups[1].Value == index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return match.Value;
    }

    /// <summary>The base64 text of the i-th (0-based) X509Certificate element.</summary>
    public static string Certificate(string xml, int i) => CertificatePattern().Matches(xml)[i].Groups[1].Value;

    public static string SignatureValue(string xml) => SignatureValuePattern().Match(xml).Groups[1].Value;

    /// <summary>Flips the low bit of byte <paramref name="offset"/> (negative: from the end) of a base64 value.</summary>
    public static string FlipBase64Byte(string base64, int offset)
    {
        var bytes = Convert.FromBase64String(base64);
        var at = offset >= 0 ? offset : bytes.Length + offset;
        bytes[at] ^= 0x01;
        return Convert.ToBase64String(bytes);
    }

    [GeneratedRegex("<ns0:Resource type=\"Measurement\" index=\"(\\d+)\"[^>]*/>")]
    private static partial Regex ResourcePattern();

    [GeneratedRegex("<ds:X509Certificate>([^<]*)</ds:X509Certificate>")]
    private static partial Regex CertificatePattern();

    [GeneratedRegex("<ds:SignatureValue>([^<]*)</ds:SignatureValue>")]
    private static partial Regex SignatureValuePattern();
}
