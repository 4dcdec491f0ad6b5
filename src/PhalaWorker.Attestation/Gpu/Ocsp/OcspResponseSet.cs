using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Ocsp;

namespace PhalaWorker.Attestation.Gpu.Ocsp;

/// <summary>
/// A set of DER OCSPResponses (as fetched from NVIDIA's OCSP service or cached), matched to certificates by CertID.
/// Responses that do not decode, or whose status is not "successful", are kept as <see cref="Rejected"/> with the reason:
/// a certificate they might have covered is then "unavailable", never good.
/// </summary>
public sealed class OcspResponseSet
{
    /// <summary>Largest accepted response (NVIDIA's are under 2 KiB).</summary>
    public const int MaxResponseSize = 64 * 1024;

    private OcspResponseSet(List<ParsedOcspResponse> responses, List<string> rejected)
    {
        Responses = responses;
        Rejected = rejected;
    }

    /// <summary>An empty set.</summary>
    public static OcspResponseSet Empty { get; } = new([], []);

    /// <summary>Number of decoded responses.</summary>
    public int Count => Responses.Count;

    /// <summary>Why each undecodable response was set aside ("response 2: …").</summary>
    public IReadOnlyList<string> Rejected { get; }

    internal List<ParsedOcspResponse> Responses { get; }

    /// <summary>Decodes each response (never throws for a bad one; see <see cref="Rejected"/>).</summary>
    public static OcspResponseSet FromDer(IEnumerable<byte[]> responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        var parsed = new List<ParsedOcspResponse>();
        var rejected = new List<string>();
        var index = 0;
        foreach (var der in responses)
        {
            try
            {
                if (der.Length > MaxResponseSize)
                {
                    throw new FormatException($"{der.Length} bytes exceed the {MaxResponseSize}-byte limit");
                }

                var response = new OcspResp(der);
                if (response.Status != OcspRespStatus.Successful)
                {
                    throw new FormatException($"response status {response.Status} is not successful");
                }

                if (response.GetResponseObject() is not BasicOcspResp basic)
                {
                    throw new FormatException("not a basic OCSP response");
                }

                parsed.Add(new ParsedOcspResponse(index, der, basic));
            }
            catch (Exception ex) when (ex is FormatException or IOException or OcspException or ArgumentException or InvalidCastException
                                           or InvalidOperationException or NullReferenceException or IndexOutOfRangeException)
            {
                rejected.Add($"response {index}: {ex.Message}");
            }

            index++;
        }

        return new OcspResponseSet(parsed, rejected);
    }

    /// <summary>Every regular file of <paramref name="directory"/> as one DER response.</summary>
    public static OcspResponseSet FromDirectory(string directory)
    {
        var files = Directory.GetFiles(directory).Order(StringComparer.Ordinal).ToList();
        foreach (var file in files)
        {
            if (new FileInfo(file).Length > MaxResponseSize)
            {
                throw new Spdm.GpuEvidenceFormatException("ocsp", $"{file} is larger than {MaxResponseSize} bytes; not an OCSP response");
            }
        }

        return FromDer(files.Select(File.ReadAllBytes));
    }
}

/// <summary>One decoded response and its position in the input.</summary>
internal sealed record ParsedOcspResponse(int Index, byte[] Der, BasicOcspResp Basic)
{
    public byte[]? Nonce => Basic.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce)?.GetOctets();
}
