using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PhalaWorker.Attestation.Binding;

namespace PhalaWorker.Attestation.Tests.Binding;

public sealed class RaTlsBindingTests
{
    [Test]
    public void SpkiDigest_Certificate_IsSha256OfTheDerSubjectPublicKeyInfo()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=test", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));

        // Independently: the SubjectPublicKeyInfo is the 7th element of TBSCertificate (after version, serial, signature,
        // issuer, validity, subject), read straight from the certificate's DER.
        var tbs = new AsnReader(certificate.RawData, AsnEncodingRules.DER).ReadSequence().ReadSequence();
        tbs.ReadEncodedValue(); // [0] version
        tbs.ReadEncodedValue(); // serialNumber
        tbs.ReadEncodedValue(); // signature
        tbs.ReadEncodedValue(); // issuer
        tbs.ReadEncodedValue(); // validity
        tbs.ReadEncodedValue(); // subject
        var spki = tbs.ReadEncodedValue().ToArray();

        Assert.That(RaTlsBinding.SpkiDigest(certificate), Is.EqualTo(SHA256.HashData(spki)));
        Assert.That(RaTlsBinding.SpkiDigest(key.ExportSubjectPublicKeyInfo()), Is.EqualTo(SHA256.HashData(spki)), "the key, not the certificate, is bound");
    }

    [Test]
    public void IsBound_ZeroOrWrongLength_False()
    {
        Assert.That(RaTlsBinding.IsBound(new byte[32]), Is.False);
        Assert.That(RaTlsBinding.IsBound([]), Is.False);
        Assert.That(RaTlsBinding.IsBound(new byte[31] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }), Is.False);
        Assert.That(RaTlsBinding.IsBound(Enumerable.Repeat((byte)1, 32).ToArray()), Is.True);
    }

    [Test]
    public void Format_Digest_Sha256PrefixAndLowercaseHex()
    {
        Assert.That(RaTlsBinding.Format(Enumerable.Repeat((byte)0xAB, 2).ToArray()), Is.EqualTo("sha256:abab"));
    }
}
