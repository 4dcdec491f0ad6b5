using System.Formats.Asn1;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace PhalaWorker.Attestation.Internal;

/// <summary>A CRL decoded once: original TBS bytes, issuer, thisUpdate/nextUpdate, revoked serials.</summary>
internal sealed class ParsedCrl
{
    private ParsedCrl(CertificateList list, byte[] tbs, byte[] signature, HashSet<string> revoked)
    {
        List = list;
        Tbs = tbs;
        Signature = signature;
        RevokedSerials = revoked;
        Issuer = list.Issuer;
        ThisUpdate = new DateTimeOffset(DateTime.SpecifyKind(list.ThisUpdate.ToDateTime(), DateTimeKind.Utc));
        IssuerDer = list.Issuer.GetDerEncoded();
        NextUpdate = list.NextUpdate is { } next ? new DateTimeOffset(DateTime.SpecifyKind(next.ToDateTime(), DateTimeKind.Utc)) : null;
    }

    public CertificateList List { get; }

    public byte[] Tbs { get; }

    public byte[] Signature { get; }

    public X509Name Issuer { get; }

    public string IssuerName => Issuer.ToString();

    public byte[] IssuerDer { get; }

    public DateTimeOffset ThisUpdate { get; }

    /// <summary>Null when the CRL has none (rejected by the verifier: DCAP CRLs always carry one).</summary>
    public DateTimeOffset? NextUpdate { get; }

    /// <summary>Revoked serials as lower-case hex without leading zeros.</summary>
    public HashSet<string> RevokedSerials { get; }

    public bool IsRevoked(ParsedCertificate cert) => RevokedSerials.Contains(cert.SerialHex);

    public bool IsIssuedBy(ParsedCertificate issuer) =>
        Issuer.Equivalent(issuer.Certificate.SubjectDN, inOrder: true) && issuer.PublicKey.VerifyDer(Tbs, Signature);

    public static ParsedCrl Parse(byte[] der)
    {
        try
        {
            var (tbs, alg, signature) = SignedAsn1.Split(der);
            if (alg != SignedAsn1.EcdsaWithSha256Oid)
            {
                throw new FormatException($"CRL signature algorithm {alg} is not ecdsa-with-SHA256");
            }

            var list = CertificateList.GetInstance(Asn1Object.FromByteArray(der));
            var revoked = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in list.GetRevokedCertificates())
            {
                revoked.Add(Convert.ToHexStringLower(entry.UserCertificate.Value.ToByteArrayUnsigned()));
            }

            return new ParsedCrl(list, tbs, signature, revoked);
        }
        catch (Exception ex) when (ex is AsnContentException or ArgumentException or InvalidOperationException or IOException or InvalidCastException)
        {
            throw new FormatException($"invalid CRL: {ex.Message}", ex);
        }
    }
}
