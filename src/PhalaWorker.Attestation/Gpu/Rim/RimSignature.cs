using System.Xml;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// The enveloped XML-DSig signature of a RIM, structurally checked: one Reference to the whole document (<c>URI=""</c>),
/// transforms enveloped-signature then C14N (1.1 or 1.0, without comments), SHA-384 digest, ecdsa-sha384 with a raw r‖s
/// SignatureValue, and the signer's certificate chain in KeyInfo/X509Data. Anything else is a <see cref="RimFormatException"/>,
/// so the verifier never meets an algorithm it would have to ignore.
/// </summary>
internal sealed class RimSignature
{
    /// <summary>Most certificates accepted in KeyInfo (NVIDIA's RIMs carry 4).</summary>
    public const int MaxCertificates = 8;

    /// <summary>SHA-384 digest length.</summary>
    public const int DigestLength = 48;

    /// <summary>P-384 raw r‖s length.</summary>
    public const int SignatureLength = 96;

    private RimSignature(XmlElement element, XmlElement signedInfo, string canonicalization, byte[] digestValue, byte[] signatureValue, List<byte[]> certificates)
    {
        Element = element;
        SignedInfo = signedInfo;
        CanonicalizationMethod = canonicalization;
        DigestValue = digestValue;
        SignatureValue = signatureValue;
        Certificates = certificates;
    }

    /// <summary>The ds:Signature element (a child of the document element).</summary>
    public XmlElement Element { get; }

    public XmlElement SignedInfo { get; }

    public string CanonicalizationMethod { get; }

    public byte[] DigestValue { get; }

    /// <summary>Raw r‖s, 96 bytes.</summary>
    public byte[] SignatureValue { get; }

    /// <summary>X509Certificate DERs in document order (signer first).</summary>
    public IReadOnlyList<byte[]> Certificates { get; }

    public static RimSignature Parse(XmlDocument document)
    {
        var root = document.DocumentElement!;
        var all = document.GetElementsByTagName("Signature", RimXml.DsigNamespace);
        if (all.Count != 1)
        {
            throw new RimFormatException("Signature", all.Count == 0 ? "is missing (the RIM is unsigned)" : $"appears {all.Count} times; exactly one enveloped signature is accepted");
        }

        var signature = (XmlElement)all[0]!;
        if (signature.ParentNode != root)
        {
            throw new RimFormatException("Signature", "must be a child of the document element (enveloped)");
        }

        // C14N 1.1 and 1.0 differ only in how xml:* attributes of ancestors reach the apex of a document subset; refusing
        // them on the ancestors of SignedInfo (and the root, apex of the referenced subset) makes both give the same octets.
        foreach (var holder in new[] { root, signature })
        {
            foreach (XmlAttribute attribute in holder.Attributes)
            {
                if (attribute.NamespaceURI == RimXml.XmlNamespace)
                {
                    throw new RimFormatException($"{holder.LocalName}/@{attribute.Name}", "xml: attributes on the signature's ancestors are not supported");
                }
            }
        }

        var children = RimXml.Children(signature);
        if (children.Count != 3 || !Is(children[0], "SignedInfo") || !Is(children[1], "SignatureValue") || !Is(children[2], "KeyInfo"))
        {
            throw new RimFormatException("Signature", "must hold exactly SignedInfo, SignatureValue, KeyInfo in this order");
        }

        var signedInfo = children[0];
        var info = RimXml.Children(signedInfo);
        if (info.Count != 3 || !Is(info[0], "CanonicalizationMethod") || !Is(info[1], "SignatureMethod") || !Is(info[2], "Reference"))
        {
            throw new RimFormatException("Signature/SignedInfo", "must hold exactly CanonicalizationMethod, SignatureMethod and one Reference");
        }

        var c14n = Algorithm(info[0], "Signature/SignedInfo/CanonicalizationMethod", RimXml.C14N11, RimXml.C14N10);
        Algorithm(info[1], "Signature/SignedInfo/SignatureMethod", RimXml.EcdsaSha384);

        var reference = info[2];
        const string referencePath = "Signature/SignedInfo/Reference";
        if (reference.GetAttributeNode("URI") is not { Value: "" })
        {
            throw new RimFormatException($"{referencePath}/@URI", "must be \"\" (the whole document)");
        }

        var parts = RimXml.Children(reference);
        if (parts.Count != 3 || !Is(parts[0], "Transforms") || !Is(parts[1], "DigestMethod") || !Is(parts[2], "DigestValue"))
        {
            throw new RimFormatException(referencePath, "must hold exactly Transforms, DigestMethod, DigestValue");
        }

        var transforms = RimXml.Children(parts[0]);
        if (transforms.Count is < 1 or > 2 || transforms.Any(t => !Is(t, "Transform")))
        {
            throw new RimFormatException($"{referencePath}/Transforms", "must hold the enveloped-signature transform and at most one canonicalization");
        }

        Algorithm(transforms[0], $"{referencePath}/Transforms/Transform[1]", RimXml.EnvelopedSignature);
        if (transforms.Count == 2)
        {
            Algorithm(transforms[1], $"{referencePath}/Transforms/Transform[2]", RimXml.C14N11, RimXml.C14N10);
        }

        Algorithm(parts[1], $"{referencePath}/DigestMethod", RimXml.Sha384Digest);
        RimXml.RequireTextOnly(parts[2], $"{referencePath}/DigestValue");
        var digest = RimXml.Base64(parts[2], $"{referencePath}/DigestValue");
        if (digest.Length != DigestLength)
        {
            throw new RimFormatException($"{referencePath}/DigestValue", $"is {digest.Length} bytes, SHA-384 gives {DigestLength}");
        }

        RimXml.RequireTextOnly(children[1], "Signature/SignatureValue");
        var signatureValue = RimXml.Base64(children[1], "Signature/SignatureValue");
        if (signatureValue.Length != SignatureLength)
        {
            throw new RimFormatException("Signature/SignatureValue", $"is {signatureValue.Length} bytes, ecdsa-sha384 raw r‖s is {SignatureLength}");
        }

        var keyInfo = RimXml.Children(children[2]);
        if (keyInfo.Count != 1 || !Is(keyInfo[0], "X509Data"))
        {
            throw new RimFormatException("Signature/KeyInfo", "must hold exactly one X509Data");
        }

        var x509 = RimXml.Children(keyInfo[0]);
        if (x509.Count is 0 or > MaxCertificates || x509.Any(c => !Is(c, "X509Certificate")))
        {
            throw new RimFormatException("Signature/KeyInfo/X509Data", $"must hold 1..{MaxCertificates} X509Certificate elements and nothing else");
        }

        var certificates = new List<byte[]>(x509.Count);
        for (var i = 0; i < x509.Count; i++)
        {
            var path = $"Signature/KeyInfo/X509Data/X509Certificate[{i + 1}]";
            RimXml.RequireTextOnly(x509[i], path);
            certificates.Add(RimXml.Base64(x509[i], path));
        }

        return new RimSignature(signature, signedInfo, c14n, digest, signatureValue, certificates);
    }

    private static bool Is(XmlElement element, string localName) => element.LocalName == localName && element.NamespaceURI == RimXml.DsigNamespace;

    private static string Algorithm(XmlElement element, string path, params string[] allowed)
    {
        if (element.HasChildNodes)
        {
            throw new RimFormatException(path, "must be empty (no algorithm parameters are supported)");
        }

        var algorithm = RimXml.RequiredAttribute(element, "Algorithm", path);
        if (!allowed.Contains(algorithm, StringComparer.Ordinal))
        {
            throw new RimFormatException($"{path}/@Algorithm", $"'{algorithm}' is not supported (expected {string.Join(" or ", allowed)})");
        }

        return algorithm;
    }
}
