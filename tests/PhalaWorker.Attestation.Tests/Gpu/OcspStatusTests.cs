using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using PhalaWorker.Attestation.Gpu.Ocsp;

namespace PhalaWorker.Attestation.Tests.Gpu;

/// <summary>
/// Revoked / unknown / unauthorized-responder cases, which the real (all good) responses cannot show: a small P-384 chain
/// (root → CA → leaf) and OCSP responses generated with BouncyCastle, shaped like NVIDIA's (delegated responder issued by
/// the CA, SHA-384 CertID, no nonce).
/// </summary>
public sealed class OcspStatusTests
{
    private static readonly DateTime Now = new(2025, 8, 21, 12, 0, 0, DateTimeKind.Utc);
    private static readonly SecureRandom Random = new();

    private static AsymmetricCipherKeyPair NewKey()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP384r1, Random));
        return generator.GenerateKeyPair();
    }

    private static X509Certificate Issue(string subject, AsymmetricCipherKeyPair key, string issuer, AsymmetricCipherKeyPair issuerKey, long serial, bool ca, bool ocspSigning = false)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(BigInteger.ValueOf(serial));
        generator.SetIssuerDN(new X509Name(issuer));
        generator.SetSubjectDN(new X509Name(subject));
        generator.SetNotBefore(Now.AddYears(-1));
        generator.SetNotAfter(Now.AddYears(1));
        generator.SetPublicKey(key.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(ca));
        if (ocspSigning)
        {
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeID.id_kp_OCSPSigning));
        }

        return generator.Generate(new Asn1SignatureFactory("SHA384WITHECDSA", issuerKey.Private));
    }

    private sealed record Pki(X509Certificate Root, X509Certificate Ca, X509Certificate Leaf, AsymmetricCipherKeyPair CaKey)
    {
        public List<byte[]> Chain => [Leaf.GetEncoded(), Ca.GetEncoded(), Root.GetEncoded()];
    }

    private static Pki NewPki()
    {
        var rootKey = NewKey();
        var caKey = NewKey();
        var leafKey = NewKey();
        var root = Issue("CN=Test Root", rootKey, "CN=Test Root", rootKey, 1, ca: true);
        var ca = Issue("CN=Test CA", caKey, "CN=Test Root", rootKey, 2, ca: true);
        var leaf = Issue("CN=Test Leaf", leafKey, "CN=Test CA", caKey, 3, ca: false);
        return new Pki(root, ca, leaf, caKey);
    }

    private static byte[] Response(Pki pki, X509Certificate target, X509Certificate issuer, CertificateStatus? status, bool ekuOnResponder = true, X509Certificate? signerIssuer = null, AsymmetricCipherKeyPair? signerIssuerKey = null)
    {
        var responderKey = NewKey();
        var responder = Issue("CN=Test OCSP Responder", responderKey, (signerIssuer ?? issuer).SubjectDN.ToString(), signerIssuerKey ?? pki.CaKey, 99, ca: false, ocspSigning: ekuOnResponder);
        var generator = new BasicOcspRespGenerator(responderKey.Public);
        var id = new CertificateID(new AlgorithmIdentifier(NistObjectIdentifiers.IdSha384), issuer, target.SerialNumber);
        generator.AddResponse(id, status, Now.AddHours(-6), Now.AddHours(18), null);
        var basic = generator.Generate(new Asn1SignatureFactory("SHA384WITHECDSA", responderKey.Private), [responder], Now.AddHours(-6));
        return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
    }

    private static OcspChainResult Check(Pki pki, byte[] response) =>
        OcspChecker.CheckChain(pki.Chain, 0, 0, OcspResponseSet.FromDer([response]), new OcspCheckOptions { At = new DateTimeOffset(Now) });

    [Test]
    public void CheckChain_GoodFromDelegatedResponder_Good()
    {
        var pki = NewPki();

        var result = Check(pki, Response(pki, pki.Leaf, pki.Ca, CertificateStatus.Good));

        Assert.That(result.Status, Is.EqualTo(OcspCertificateStatus.Good), result.Worst?.Reason);
    }

    [Test]
    public void CheckChain_Revoked_RevokedWithTime()
    {
        var pki = NewPki();

        var result = Check(pki, Response(pki, pki.Leaf, pki.Ca, new RevokedStatus(Now.AddDays(-3), CrlReason.KeyCompromise)));

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(OcspCertificateStatus.Revoked));
            Assert.That(result.Worst!.Reason, Does.Contain("revoked since 2025-08-18"));
        });
    }

    [Test]
    public void CheckChain_Unknown_Unknown()
    {
        var pki = NewPki();

        var result = Check(pki, Response(pki, pki.Leaf, pki.Ca, new UnknownStatus()));

        Assert.That(result.Status, Is.EqualTo(OcspCertificateStatus.Unknown));
    }

    [Test]
    public void CheckChain_ResponderWithoutOcspSigning_Invalid()
    {
        var pki = NewPki();

        var result = Check(pki, Response(pki, pki.Leaf, pki.Ca, CertificateStatus.Good, ekuOnResponder: false));

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(OcspCertificateStatus.Invalid));
            Assert.That(result.Worst!.Reason, Does.Contain("OCSPSigning"));
        });
    }

    [Test]
    public void CheckChain_ResponderIssuedByAnotherCa_Invalid()
    {
        var pki = NewPki();
        var other = NewPki();

        var result = Check(pki, Response(pki, pki.Leaf, pki.Ca, CertificateStatus.Good, signerIssuer: other.Ca, signerIssuerKey: other.CaKey));

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(OcspCertificateStatus.Invalid));
            Assert.That(result.Worst!.Reason, Does.Contain("not issued by"));
        });
    }
}
