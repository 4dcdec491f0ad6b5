using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Xml;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// Canonical octets for the RIM's XML-DSig, through System.Security.Cryptography.Xml's inclusive C14N 1.0 transform
/// (without comments). The RIMs name C14N 1.1, which .NET does not implement; for the two node-sets used here 1.1 and 1.0
/// give identical octets:
/// <list type="bullet">
/// <item>The Reference (<c>URI=""</c> + enveloped-signature) covers the whole document minus the Signature subtree, so its
/// only apex is the document element, which has no ancestors: nothing is inherited and 1.1's changes (xml:id not
/// inherited, xml:base fix-up, xml:lang/xml:space inheritance) have nothing to act on.</item>
/// <item>SignedInfo is an element subtree whose ancestors are Signature and the document element;
/// <see cref="RimSignature.Parse"/> refuses xml:* attributes on those, so again nothing is inherited. Both versions then
/// render every in-scope namespace declaration on the apex, which <see cref="SignedInfo"/> reproduces by copying the
/// in-scope declarations onto a standalone copy of SignedInfo.</item>
/// </list>
/// The real NVIDIA RIMs' digests and signatures verifying through this path (tests) confirm it on their bytes.
/// </summary>
internal static class RimCanonicalizer
{
    /// <summary>SHA-384 of the canonical document without its Signature element (the enveloped-signature transform).</summary>
    public static byte[] ReferenceDigest(ReferenceIntegrityManifest rim)
    {
        var copy = (XmlDocument)rim.Document.CloneNode(deep: true);
        copy.PreserveWhitespace = true;
        var signature = RimXml.Children(copy.DocumentElement!).Single(e => e.LocalName == "Signature" && e.NamespaceURI == RimXml.DsigNamespace);
        copy.DocumentElement!.RemoveChild(signature);
        var transform = new XmlDsigC14NTransform(includeComments: false);
        transform.LoadInput(copy);
        using var sha384 = SHA384.Create();
        return transform.GetDigestedOutput(sha384);
    }

    /// <summary>The canonical octets of SignedInfo as a document subset (what SignatureValue signs).</summary>
    public static byte[] SignedInfo(ReferenceIntegrityManifest rim)
    {
        var original = rim.Signature.SignedInfo;
        var standalone = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var copy = (XmlElement)standalone.ImportNode(original, deep: true);
        standalone.AppendChild(copy);

        // In-scope namespaces of the original, nearest declaration first; declare the inherited ones on the copy.
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (XmlAttribute attribute in original.Attributes)
        {
            if (attribute.NamespaceURI == RimXml.XmlnsNamespace)
            {
                declared.Add(attribute.LocalName);
            }
        }

        for (var node = original.ParentNode as XmlElement; node is not null; node = node.ParentNode as XmlElement)
        {
            foreach (XmlAttribute attribute in node.Attributes)
            {
                if (attribute.NamespaceURI != RimXml.XmlnsNamespace || !declared.Add(attribute.LocalName))
                {
                    continue;
                }

                if (attribute.Prefix.Length == 0 && attribute.Value.Length == 0)
                {
                    // xmlns="" undeclares the default namespace; nothing to render on an apex.
                    continue;
                }

                var inherited = standalone.CreateAttribute(attribute.Prefix, attribute.LocalName, RimXml.XmlnsNamespace);
                inherited.Value = attribute.Value;
                copy.Attributes.Append(inherited);
            }
        }

        var transform = new XmlDsigC14NTransform(includeComments: false);
        transform.LoadInput(standalone);
        using var output = (Stream)transform.GetOutput(typeof(Stream));
        using var buffer = new MemoryStream();
        output.CopyTo(buffer);
        return buffer.ToArray();
    }
}
