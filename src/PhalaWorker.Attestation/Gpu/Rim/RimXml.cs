using System.Xml;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>Namespaces, algorithm URIs and the hardened reader settings of SWID RIMs.</summary>
internal static class RimXml
{
    public const string SwidNamespace = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
    public const string DsigNamespace = "http://www.w3.org/2000/09/xmldsig#";
    public const string Sha384HashNamespace = "http://www.w3.org/2001/04/xmlenc#sha384";
    public const string TcgRimNamespace = "https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/";
    public const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";
    public const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    public const string C14N11 = "http://www.w3.org/2006/12/xml-c14n11";
    public const string C14N10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    public const string EnvelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    public const string EcdsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
    public const string Sha384Digest = "http://www.w3.org/2001/04/xmldsig-more#sha384";

    /// <summary>Parses untrusted XML: no DTD (an internal subset or DOCTYPE is an error, so no entity expansion), no resolver, bounded size.</summary>
    public static XmlDocument Load(ReadOnlySpan<byte> xml, int maxBytes)
    {
        if (xml.Length > maxBytes)
        {
            throw new RimFormatException("document", $"{xml.Length} bytes exceed the limit of {maxBytes}");
        }

        if (xml.IsEmpty)
        {
            throw new RimFormatException("document", "is empty");
        }

        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxBytes,
            MaxCharactersFromEntities = 1024,
            IgnoreComments = false,
            IgnoreProcessingInstructions = false,
            IgnoreWhitespace = false,
            CloseInput = true,
        };
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml.ToArray(), writable: false), settings);
            document.Load(reader);
        }
        catch (XmlException ex)
        {
            throw new RimFormatException("document", $"is not accepted XML (line {ex.LineNumber}, position {ex.LinePosition}): {ex.Message}", ex);
        }

        return document;
    }

    public static string RequiredAttribute(XmlElement element, string localName, string path, string? ns = null)
    {
        var attribute = element.GetAttributeNode(localName, ns ?? string.Empty)
            ?? throw new RimFormatException($"{path}/@{localName}", "is missing");
        return attribute.Value;
    }

    /// <summary>The single child element <paramref name="localName"/> in <paramref name="ns"/>; an error when absent or repeated.</summary>
    public static XmlElement SingleChild(XmlElement parent, string localName, string ns, string path)
    {
        XmlElement? found = null;
        foreach (var child in parent.ChildNodes.OfType<XmlElement>())
        {
            if (child.LocalName == localName && child.NamespaceURI == ns)
            {
                if (found is not null)
                {
                    throw new RimFormatException($"{path}/{localName}", "appears more than once");
                }

                found = child;
            }
        }

        return found ?? throw new RimFormatException($"{path}/{localName}", "is missing");
    }

    public static List<XmlElement> Children(XmlElement parent) => parent.ChildNodes.OfType<XmlElement>().ToList();

    public static byte[] Base64(XmlElement element, string path)
    {
        try
        {
            return Convert.FromBase64String(element.InnerText);
        }
        catch (FormatException ex)
        {
            throw new RimFormatException(path, "is not base64", ex);
        }
    }

    /// <summary>Text-only content: an element child (for example a second SignatureValue nested inside) is an error.</summary>
    public static void RequireTextOnly(XmlElement element, string path)
    {
        if (element.ChildNodes.OfType<XmlNode>().Any(n => n.NodeType is not (XmlNodeType.Text or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)))
        {
            throw new RimFormatException(path, "must hold text only");
        }
    }
}
