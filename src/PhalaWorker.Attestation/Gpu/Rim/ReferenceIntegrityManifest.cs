using System.Globalization;
using System.Xml;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// An NVIDIA Reference Integrity Manifest: a SWID tag (ISO/IEC 19770-2) whose Payload lists the golden SPDM measurements of
/// a driver or VBIOS, signed with an enveloped XML-DSig signature whose KeyInfo carries the signer's certificate chain.
/// <see cref="Parse(ReadOnlySpan{byte}, RimId)"/> decodes and structurally checks it (DTDs prohibited, no resolver, at most
/// <see cref="MaxSize"/> bytes); nothing here is trusted until <see cref="RimVerifier"/> has checked the signature and chain.
/// </summary>
public sealed class ReferenceIntegrityManifest
{
    /// <summary>Largest RIM accepted, in bytes (NVIDIA's are about 21 KB).</summary>
    public const int MaxSize = 1 << 20;

    /// <summary>Most measurement resources accepted (SPDM has at most 254 blocks).</summary>
    public const int MaxMeasurements = 254;

    /// <summary>Most alternatives (Hash0…HashN-1) per measurement.</summary>
    public const int MaxAlternatives = 16;

    private ReferenceIntegrityManifest(
        RimId id,
        string product,
        string version,
        string tagId,
        IReadOnlyList<RimMeasurement> measurements,
        RimSignature signature,
        XmlDocument document)
    {
        Id = id;
        Product = product;
        Version = version;
        TagId = tagId;
        Measurements = measurements;
        ActiveMeasurements = measurements.Where(m => m.Active).ToList();
        Signature = signature;
        Document = document;
    }

    /// <summary>The id the RIM was filed under, checked against the signed product and version.</summary>
    public RimId Id { get; }

    public RimKind Kind => Id.Kind;

    /// <summary>Meta/@colloquialVersion: the driver version (<c>550.90.07</c>) or VBIOS version (<c>96.00.9F.00.01</c>).</summary>
    public string Version { get; }

    /// <summary>Meta/@product (the chip, <c>GH100</c>).</summary>
    public string Product { get; }

    /// <summary>SoftwareIdentity/@tagId.</summary>
    public string TagId { get; }

    /// <summary>Every measurement resource, by ascending index.</summary>
    public IReadOnlyList<RimMeasurement> Measurements { get; }

    /// <summary>The measurements to compare (active="True"), by ascending index.</summary>
    public IReadOnlyList<RimMeasurement> ActiveMeasurements { get; }

    /// <summary>The certificates of KeyInfo/X509Data as DER, exactly as embedded (signer first).</summary>
    public IReadOnlyList<byte[]> CertificateChain => Signature.Certificates;

    internal RimSignature Signature { get; }

    /// <summary>The parsed document; read-only by convention (the verifier canonicalizes copies).</summary>
    internal XmlDocument Document { get; }

    /// <summary>Parses a RIM filed under <paramref name="id"/>; throws <see cref="RimFormatException"/> naming the element or attribute.</summary>
    public static ReferenceIntegrityManifest Parse(ReadOnlySpan<byte> xml, string id) => Parse(xml, RimId.Parse(id));

    /// <summary>Parses a RIM filed under <paramref name="id"/>; throws <see cref="RimFormatException"/> naming the element or attribute.</summary>
    public static ReferenceIntegrityManifest Parse(ReadOnlySpan<byte> xml, RimId id)
    {
        if (id.Value is null)
        {
            throw new ArgumentException("RIM id is required", nameof(id));
        }

        var document = RimXml.Load(xml, MaxSize);
        var root = document.DocumentElement ?? throw new RimFormatException("document", "has no document element");
        if (root.LocalName != "SoftwareIdentity" || root.NamespaceURI != RimXml.SwidNamespace)
        {
            throw new RimFormatException("SoftwareIdentity", $"document element is {{{root.NamespaceURI}}}{root.LocalName}, not a SWID SoftwareIdentity");
        }

        var tagId = RimXml.RequiredAttribute(root, "tagId", "SoftwareIdentity");
        var meta = RimXml.SingleChild(root, "Meta", RimXml.SwidNamespace, "SoftwareIdentity");
        var version = RimXml.RequiredAttribute(meta, "colloquialVersion", "Meta");
        var product = RimXml.RequiredAttribute(meta, "product", "Meta");
        CheckId(id, product, version);

        var payload = RimXml.SingleChild(root, "Payload", RimXml.SwidNamespace, "SoftwareIdentity");
        var measurements = ParseMeasurements(payload);
        var signature = RimSignature.Parse(document);
        return new ReferenceIntegrityManifest(id, product, version, tagId, measurements, signature, document);
    }

    /// <summary>Reads and parses a RIM file; its name without extension is the id (<c>NV_GPU_DRIVER_GH100_550.90.07.swidtag</c>).</summary>
    public static ReferenceIntegrityManifest Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (info.Exists && info.Length > MaxSize)
        {
            throw new RimFormatException("document", $"{path} is {info.Length} bytes, more than the limit of {MaxSize}");
        }

        var name = Path.GetFileName(path);
        foreach (var extension in new[] { ".swidtag", ".xml" })
        {
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^extension.Length];
                break;
            }
        }

        return Parse(File.ReadAllBytes(path), name);
    }

    /// <summary>True when <paramref name="reportVersion"/> (from NVML or the report's opaque data) names this RIM's version; VBIOS versions compare case-insensitively.</summary>
    public bool MatchesVersion(string reportVersion) =>
        string.Equals(reportVersion, Version, Kind == RimKind.Vbios ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>The measurement with RIM index <paramref name="index"/>, or null.</summary>
    public RimMeasurement? Find(int index)
    {
        foreach (var measurement in Measurements)
        {
            if (measurement.Index == index)
            {
                return measurement;
            }
        }

        return null;
    }

    private static void CheckId(RimId id, string product, string version)
    {
        if (id.Kind == RimKind.Driver)
        {
            var expected = RimId.DriverPrefix + product + "_" + version;
            if (!string.Equals(id.Value, expected, StringComparison.Ordinal))
            {
                throw new RimFormatException("id", $"'{id.Value}' does not name this driver RIM (signed product and version give '{expected}')");
            }
        }
        else
        {
            var suffix = "_" + version.Replace(".", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
            if (!id.Value.EndsWith(suffix, StringComparison.Ordinal))
            {
                throw new RimFormatException("id", $"'{id.Value}' does not end with the signed VBIOS version ('{suffix[1..]}')");
            }
        }
    }

    private static List<RimMeasurement> ParseMeasurements(XmlElement payload)
    {
        var result = new List<RimMeasurement>();
        var seen = new HashSet<int>();
        foreach (var resource in RimXml.Children(payload))
        {
            if (resource.LocalName != "Resource" || resource.NamespaceURI != RimXml.SwidNamespace)
            {
                throw new RimFormatException($"Payload/{resource.Name}", "is not a SWID Resource");
            }

            if (result.Count == MaxMeasurements)
            {
                throw new RimFormatException("Payload/Resource", $"more than {MaxMeasurements} measurements");
            }

            var type = RimXml.RequiredAttribute(resource, "type", "Payload/Resource");
            if (type != "Measurement")
            {
                throw new RimFormatException("Payload/Resource/@type", $"'{type}' is not Measurement");
            }

            var indexText = RimXml.RequiredAttribute(resource, "index", "Payload/Resource");
            if (!int.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= MaxMeasurements)
            {
                throw new RimFormatException("Payload/Resource/@index", $"'{indexText}' is not an index 0..{MaxMeasurements - 1}");
            }

            var path = $"Payload/Resource[index={index}]";
            if (!seen.Add(index))
            {
                throw new RimFormatException($"{path}/@index", "appears more than once");
            }

            if (resource.HasChildNodes)
            {
                throw new RimFormatException(path, "must be empty");
            }

            var active = RimXml.RequiredAttribute(resource, "active", path) switch
            {
                "True" or "true" => true,
                "False" or "false" => false,
                var other => throw new RimFormatException($"{path}/@active", $"'{other}' is not True or False"),
            };
            var name = RimXml.RequiredAttribute(resource, "name", path);
            var sizeText = RimXml.RequiredAttribute(resource, "size", path);
            if (!int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size != RimSignature.DigestLength)
            {
                throw new RimFormatException($"{path}/@size", $"'{sizeText}' is not {RimSignature.DigestLength} (the golden values are SHA-384 digests)");
            }

            var countText = RimXml.RequiredAttribute(resource, "alternatives", path);
            if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > MaxAlternatives)
            {
                throw new RimFormatException($"{path}/@alternatives", $"'{countText}' is not 1..{MaxAlternatives}");
            }

            var alternatives = new byte[count][];
            foreach (XmlAttribute attribute in resource.Attributes)
            {
                if (attribute.NamespaceURI != RimXml.Sha384HashNamespace)
                {
                    continue;
                }

                var hashPath = $"{path}/@{attribute.LocalName}";
                if (!attribute.LocalName.StartsWith("Hash", StringComparison.Ordinal)
                    || !int.TryParse(attribute.LocalName.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var k)
                    || k >= count
                    || attribute.LocalName != "Hash" + k.ToString(CultureInfo.InvariantCulture)
                    || alternatives[k] is not null)
                {
                    throw new RimFormatException(hashPath, $"is not one of Hash0..Hash{count - 1}");
                }

                if (attribute.Value.Length != 2 * size || !attribute.Value.All(char.IsAsciiHexDigit))
                {
                    throw new RimFormatException(hashPath, $"is not {size} bytes of hex");
                }

                alternatives[k] = Convert.FromHexString(attribute.Value);
            }

            for (var k = 0; k < count; k++)
            {
                if (alternatives[k] is null)
                {
                    throw new RimFormatException($"{path}/@Hash{k}", "is missing");
                }
            }

            result.Add(new RimMeasurement(index, active, name, alternatives, size));
        }

        result.Sort((a, b) => a.Index.CompareTo(b.Index));
        return result;
    }
}
