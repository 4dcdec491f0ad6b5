using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// The emulated twin of NVIDIA's RIM signing hierarchy: a 4-certificate P-384 chain shaped like NVIDIA's ("… Emulated
/// CoRIM signing Root CA" → "… Reference Value CA" → "… Reference Value L3" → "… RIM L4 Signer"), keys derived from a seed
/// with HKDF-SHA384 as the emulated TEE derives its keys, RFC 6979 deterministic ECDSA, and <see cref="WriteRim"/>
/// producing SWID RIMs with the same enveloped XML-DSig shape (C14N 1.1, ecdsa-sha384, SHA-384, raw r‖s). The same
/// <see cref="RimVerifier"/> checks them, and accepts them only with a root set that trusts <see cref="RootCertificateDer"/>
/// explicitly (<see cref="TrustedRoots"/>); the production set (<see cref="RimTrustedRoots.Nvidia"/>) refuses them.
/// </summary>
public sealed class EmulatedRimAuthority
{
    /// <summary>Subject CN of the emulated root.</summary>
    public const string RootName = "PhalaWorker Emulated CoRIM signing Root CA";

    /// <summary>Validity of the certificates when none is given.</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(365);

    private static readonly byte[] Salt = Encoding.ASCII.GetBytes("phala-worker/emulated-rim/v1");

    private readonly ECPrivateKeyParameters _signerKey;
    private readonly IReadOnlyList<ECPrivateKeyParameters> _chainKeys;

    private EmulatedRimAuthority(IReadOnlyList<ECPrivateKeyParameters> chainKeys, IReadOnlyList<byte[]> chain)
    {
        _chainKeys = chainKeys;
        _signerKey = chainKeys[0];
        CertificateChainDer = chain;
    }

    /// <summary>The chain embedded in every RIM written, signer first, root last.</summary>
    public IReadOnlyList<byte[]> CertificateChainDer { get; }

    /// <summary>The self-signed emulated root (DER): what <see cref="RimTrustedRoots.WithEmulated"/> takes.</summary>
    public byte[] RootCertificateDer => CertificateChainDer[^1];

    /// <summary>The NVIDIA root plus this emulated root: the set a verifier needs to accept these RIMs.</summary>
    public RimTrustedRoots TrustedRoots => RimTrustedRoots.Nvidia.WithEmulated(RootCertificateDer);

    /// <summary>A deterministic authority: the same seed and times give the same keys, certificates and RIM bytes.</summary>
    public static EmulatedRimAuthority FromSeed(ReadOnlySpan<byte> seed, DateTimeOffset issuedAt, TimeSpan? validity = null)
    {
        var lifetime = validity ?? DefaultValidity;
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(validity), "validity must be positive");
        }

        var notBefore = issuedAt.AddMinutes(-5);
        var notAfter = issuedAt + lifetime;
        var root = Derive(seed, "rim/root");
        var ca = Derive(seed, "rim/ca");
        var l3 = Derive(seed, "rim/l3");
        var signer = Derive(seed, "rim/l4-signer");
        var rootName = Name(RootName);
        var caName = Name("PhalaWorker Emulated Reference Value CA");
        var l3Name = Name("PhalaWorker Emulated Reference Value L3");
        var signerName = Name("PhalaWorker Emulated RIM L4 Signer");

        // NVIDIA's shape: the root and CA without a path length, L3 with path length 0, the L4 signer not a CA.
        var rootCert = Issue(seed, "rim/root", rootName, root, rootName, root, notBefore, notAfter, isCa: true, pathLength: null);
        var caCert = Issue(seed, "rim/ca", rootName, root, caName, ca, notBefore, notAfter, isCa: true, pathLength: null);
        var l3Cert = Issue(seed, "rim/l3", caName, ca, l3Name, l3, notBefore, notAfter, isCa: true, pathLength: 0);
        var signerCert = Issue(seed, "rim/l4-signer", l3Name, l3, signerName, signer, notBefore, notAfter, isCa: false, pathLength: null);
        return new EmulatedRimAuthority([signer.Private, l3.Private, ca.Private, root.Private], [signerCert.GetEncoded(), l3Cert.GetEncoded(), caCert.GetEncoded(), rootCert.GetEncoded()]);
    }

    /// <summary>
    /// Writes a signed SWID RIM for <paramref name="id"/> (driver: <c>NV_GPU_DRIVER_{product}_{version}</c>; VBIOS: an id ending
    /// with the version without dots) holding <paramref name="measurements"/> (SHA-384 golden values, 1..16 alternatives).
    /// </summary>
    public byte[] WriteRim(RimId id, string product, string version, IReadOnlyList<RimMeasurement> measurements)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        ArgumentException.ThrowIfNullOrEmpty(product);
        ArgumentException.ThrowIfNullOrEmpty(version);
        var body = new StringBuilder();
        body.Append("<SoftwareIdentity xmlns=\"").Append(RimXml.SwidNamespace).Append("\" xmlns:ns0=\"").Append(RimXml.SwidNamespace)
            .Append("\" xmlns:ns2=\"").Append(RimXml.Sha384HashNamespace).Append("\" corpus=\"false\" name=\"").Append(Escape(product))
            .Append("\" patch=\"false\" supplemental=\"false\" tagId=\"").Append(TagId(id, version)).Append("\" version=\"1.0\" tagVersion=\"0\">\n");
        body.Append("    <ns0:Entity name=\"PhalaWorker Emulated\" role=\"softwareCreator tagCreator\"/>\n");
        body.Append("    <ns0:Meta xmlns:ns1=\"").Append(RimXml.TcgRimNamespace).Append("\" colloquialVersion=\"").Append(Escape(version))
            .Append("\" edition=\"GPU\" product=\"").Append(Escape(product)).Append("\" revision=\"r1\" PayloadType=\"direct\" ns1:BindingSpec=\"RIMIM\" ns1:BindingSpecVersion=\"1.01\"/>\n");
        body.Append("    <ns0:Payload>\n");
        foreach (var measurement in measurements.OrderBy(m => m.Index))
        {
            if (measurement.Alternatives.Count is < 1 or > ReferenceIntegrityManifest.MaxAlternatives || measurement.Alternatives.Any(a => a.Length != RimSignature.DigestLength))
            {
                throw new ArgumentException($"measurement {measurement.Index} needs 1..{ReferenceIntegrityManifest.MaxAlternatives} SHA-384 alternatives", nameof(measurements));
            }

            body.Append(CultureInfo.InvariantCulture, $"        <ns0:Resource type=\"Measurement\" index=\"{measurement.Index}\" active=\"{(measurement.Active ? "True" : "False")}\" alternatives=\"{measurement.Alternatives.Count}\"");
            for (var k = 0; k < measurement.Alternatives.Count; k++)
            {
                body.Append(CultureInfo.InvariantCulture, $" ns2:Hash{k}=\"{Convert.ToHexStringLower(measurement.Alternatives[k])}\"");
            }

            body.Append(CultureInfo.InvariantCulture, $" name=\"{Escape(measurement.Name)}\" size=\"{RimSignature.DigestLength}\"/>\n");
        }

        body.Append("    </ns0:Payload>\n");
        const string end = "</SoftwareIdentity>";

        // The enveloped-signature transform removes the Signature, the last child of the root: the referenced octets are
        // the canonical form of the document without it, which is exactly body + end.
        var unsigned = RimXml.Load(Encoding.UTF8.GetBytes(body + end), ReferenceIntegrityManifest.MaxSize);
        var digest = RimCanonicalizer.Digest(unsigned);

        const string placeholder = "SIGNATURE-VALUE";
        var signature = new StringBuilder();
        signature.Append("<ds:Signature xmlns:ds=\"").Append(RimXml.DsigNamespace).Append("\"><ds:SignedInfo>")
            .Append("<ds:CanonicalizationMethod Algorithm=\"").Append(RimXml.C14N11).Append("\"/>")
            .Append("<ds:SignatureMethod Algorithm=\"").Append(RimXml.EcdsaSha384).Append("\"/>")
            .Append("<ds:Reference URI=\"\"><ds:Transforms>")
            .Append("<ds:Transform Algorithm=\"").Append(RimXml.EnvelopedSignature).Append("\"/>")
            .Append("<ds:Transform Algorithm=\"").Append(RimXml.C14N11).Append("\"/></ds:Transforms>")
            .Append("<ds:DigestMethod Algorithm=\"").Append(RimXml.Sha384Digest).Append("\"/>")
            .Append("<ds:DigestValue>").Append(Convert.ToBase64String(digest)).Append("</ds:DigestValue></ds:Reference></ds:SignedInfo>")
            .Append("<ds:SignatureValue>").Append(placeholder).Append("</ds:SignatureValue><ds:KeyInfo><ds:X509Data>");
        foreach (var der in CertificateChainDer)
        {
            signature.Append("<ds:X509Certificate>").Append(Base64Lines(der)).Append("</ds:X509Certificate>");
        }

        signature.Append("</ds:X509Data></ds:KeyInfo></ds:Signature>");
        var withPlaceholder = body + signature.ToString() + end;
        var document = RimXml.Load(Encoding.UTF8.GetBytes(withPlaceholder), ReferenceIntegrityManifest.MaxSize);
        var signedInfo = (System.Xml.XmlElement)document.GetElementsByTagName("SignedInfo", RimXml.DsigNamespace)[0]!;
        var value = SignRaw(RimCanonicalizer.CanonicalSignedInfo(signedInfo));
        return Encoding.UTF8.GetBytes(withPlaceholder.Replace(placeholder, Convert.ToBase64String(value), StringComparison.Ordinal));
    }

    /// <summary>The private key of chain certificate <paramref name="index"/> (0 = signer), for the emulated OCSP responders.</summary>
    internal ECPrivateKeyParameters ChainPrivateKey(int index) => _chainKeys[index];

    private byte[] SignRaw(byte[] data)
    {
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha384Digest()));
        signer.Init(true, _signerKey);
        var rs = signer.GenerateSignature(SHA384.HashData(data));
        var result = new byte[RimSignature.SignatureLength];
        var r = rs[0].ToByteArrayUnsigned();
        var s = rs[1].ToByteArrayUnsigned();
        r.CopyTo(result.AsSpan(48 - r.Length));
        s.CopyTo(result.AsSpan(96 - s.Length));
        return result;
    }

    private static (ECPrivateKeyParameters Private, ECPublicKeyParameters Public) Derive(ReadOnlySpan<byte> seed, string label) =>
        Emulation.EmulatedP384.Derive(seed, Salt, label);

    private static X509Certificate Issue(
        ReadOnlySpan<byte> seed,
        string label,
        X509Name issuer,
        (ECPrivateKeyParameters Private, ECPublicKeyParameters Public) issuerKey,
        X509Name subject,
        (ECPrivateKeyParameters Private, ECPublicKeyParameters Public) subjectKey,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        bool isCa,
        int? pathLength) =>
        Emulation.EmulatedP384.Issue(seed, Salt, label, issuer, issuerKey, subject, subjectKey.Public, notBefore, notAfter,
            isCa ? pathLength is { } length ? new BasicConstraints(length) : new BasicConstraints(true) : new BasicConstraints(false));

    private static X509Name Name(string commonName) => new($"CN={commonName},O=PhalaWorker Emulated,C=US");

    private static string TagId(RimId id, string version) =>
        Convert.ToHexStringLower(SHA384.HashData(Encoding.UTF8.GetBytes("phala-worker/emulated-rim/" + id.Value + "/" + version)));

    private static string Escape(string value) => System.Security.SecurityElement.Escape(value);

    private static string Base64Lines(byte[] der)
    {
        var base64 = Convert.ToBase64String(der);
        var builder = new StringBuilder();
        for (var i = 0; i < base64.Length; i += 64)
        {
            builder.Append(base64.AsSpan(i, Math.Min(64, base64.Length - i))).Append('\n');
        }

        return builder.ToString();
    }
}
