using System.Text;

namespace PhalaWorker.Attestation.Internal;

/// <summary>Splits concatenated PEM certificates into DER blobs (tolerates NUL padding and whitespace).</summary>
internal static class Pem
{
    private const string Begin = "-----BEGIN CERTIFICATE-----";
    private const string End = "-----END CERTIFICATE-----";

    public static List<byte[]> SplitCertificates(ReadOnlySpan<byte> pem) => SplitCertificates(Encoding.ASCII.GetString(pem));

    public static List<byte[]> SplitCertificates(string pem)
    {
        var result = new List<byte[]>(3);
        var index = 0;
        while (true)
        {
            var begin = pem.IndexOf(Begin, index, StringComparison.Ordinal);
            if (begin < 0)
            {
                break;
            }

            var end = pem.IndexOf(End, begin, StringComparison.Ordinal);
            if (end < 0)
            {
                throw new FormatException("PEM certificate without END line");
            }

            var body = pem.AsSpan(begin + Begin.Length, end - begin - Begin.Length);
            result.Add(Convert.FromBase64String(body.ToString()));
            index = end + End.Length;
        }

        var rest = pem.AsSpan(index).Trim().Trim('\0');
        if (!rest.IsEmpty && result.Count > 0)
        {
            throw new FormatException("unexpected text after the last PEM certificate");
        }

        return result;
    }
}
