using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Ocsp;
using PhalaWorker.Attestation.Gpu.Verification;

namespace PhalaWorker.Attestation.Gpu.Ocsp;

/// <summary>
/// Checks OCSP for certificates of a verified chain the way NVIDIA's verifier does (device chain indices 1..n−2, RIM chain
/// indices 0..n−2): the response whose CertID (hash algorithm as given, SHA-384 for NVIDIA) matches the certificate and
/// its issuer (the next certificate); signature by the issuer itself or by a delegated responder certificate embedded in
/// the response, issued by that issuer, carrying id-kp-OCSPSigning and valid at the verification time (so the responder
/// chains to the chain's root); the certificate status; nonce when asked for; thisUpdate/nextUpdate window (+ grace) and
/// maximum age at the verification time.
/// </summary>
public static class OcspChecker
{
    private const string OcspSigningEku = "1.3.6.1.5.5.7.3.9";

    /// <summary>Checks certificates <paramref name="first"/>..<paramref name="last"/> (inclusive) of a DER chain, leaf first.</summary>
    public static OcspChainResult CheckChain(IReadOnlyList<byte[]> chainDer, int first, int last, OcspResponseSet responses, OcspCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(chainDer);
        var chain = new List<GpuCertificate>(chainDer.Count);
        foreach (var der in chainDer)
        {
            try
            {
                chain.Add(GpuCertificate.Parse(der));
            }
            catch (FormatException ex)
            {
                throw new Spdm.GpuEvidenceFormatException("certificateChain", $"certificate {chain.Count} does not decode: {ex.Message}", -1, ex);
            }
        }

        return CheckChain(chain, first, last, responses, options);
    }

    internal static OcspChainResult CheckChain(IReadOnlyList<GpuCertificate> chain, int first, int last, OcspResponseSet responses, OcspCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(last, chain.Count);
        var results = new List<OcspCertificateResult>();
        for (var i = first; i <= last && i < chain.Count - 1; i++)
        {
            results.Add(CheckOne(chain[i], chain[i + 1], i, responses, options));
        }

        return OcspChainResult.From(results);
    }

    private static OcspCertificateResult CheckOne(GpuCertificate cert, GpuCertificate issuer, int index, OcspResponseSet responses, OcspCheckOptions options)
    {
        OcspCertificateResult Result(OcspCertificateStatus status, SingleResp? single, string? reason) =>
            new(index, cert.DisplayName, cert.SerialHex, status, single is null ? null : Utc(single.ThisUpdate),
                single?.NextUpdate is { } next ? Utc(next) : null, reason);

        var issuerKey = IssuerKeyBits(issuer);
        string? lastFailure = null;
        foreach (var response in responses.Responses)
        {
            foreach (var single in response.Basic.Responses)
            {
                if (!Matches(single.GetCertID(), cert, issuer, issuerKey))
                {
                    continue;
                }

                var signer = FindSigner(response, issuer, options.At, out var signerFailure);
                if (signer is null)
                {
                    lastFailure = $"OCSP response {response.Index} for {cert.DisplayName}: {signerFailure}";
                    continue;
                }

                if (options.Nonce is { } nonce && !NonceMatches(response.Nonce, nonce))
                {
                    return Result(OcspCertificateStatus.Invalid, single, $"OCSP response {response.Index} for {cert.DisplayName} does not carry the requested nonce");
                }

                var status = single.GetCertStatus();
                if (status is RevokedStatus revoked)
                {
                    return Result(OcspCertificateStatus.Revoked, single, $"{cert.DisplayName} is revoked since {Utc(revoked.RevocationTime):O} (OCSP response {response.Index}, signed by {signer.DisplayName})");
                }

                var thisUpdate = Utc(single.ThisUpdate);
                if (options.At < thisUpdate)
                {
                    return Result(OcspCertificateStatus.Invalid, single, $"OCSP response {response.Index} for {cert.DisplayName} is not yet valid at {options.At:O} (thisUpdate {thisUpdate:O})");
                }

                if (single.NextUpdate is not { } nextUpdate)
                {
                    if (options.MaxAge is null)
                    {
                        return Result(OcspCertificateStatus.Invalid, single, $"OCSP response {response.Index} for {cert.DisplayName} has no nextUpdate and no maximum age is set");
                    }
                }
                else if (options.At > Utc(nextUpdate) + options.GracePeriod)
                {
                    return Result(OcspCertificateStatus.Invalid, single,
                        $"OCSP response {response.Index} for {cert.DisplayName} expired at {Utc(nextUpdate):O} (nextUpdate, grace {options.GracePeriod}), verification time {options.At:O}");
                }

                if (options.MaxAge is { } maxAge && options.At - thisUpdate > maxAge)
                {
                    return Result(OcspCertificateStatus.Invalid, single, $"OCSP response {response.Index} for {cert.DisplayName} from {thisUpdate:O} is older than the maximum age {maxAge}");
                }

                return status is UnknownStatus
                    ? Result(OcspCertificateStatus.Unknown, single, $"the OCSP responder does not know {cert.DisplayName}")
                    : status is null
                        ? Result(OcspCertificateStatus.Good, single, null)
                        : Result(OcspCertificateStatus.Invalid, single, $"OCSP response {response.Index} for {cert.DisplayName} has an unrecognised status");
            }
        }

        if (lastFailure is not null)
        {
            return Result(OcspCertificateStatus.Invalid, null, lastFailure);
        }

        var rejected = responses.Rejected.Count == 0 ? string.Empty : $"; {responses.Rejected.Count} response(s) did not decode: {string.Join("; ", responses.Rejected)}";
        return Result(OcspCertificateStatus.Unavailable, null, $"no OCSP response for {cert.DisplayName} (CertID of issuer {issuer.DisplayName}){rejected}");
    }

    private static bool Matches(CertificateID id, GpuCertificate cert, GpuCertificate issuer, byte[] issuerKey)
    {
        if (!id.SerialNumber.Equals(cert.Certificate.SerialNumber))
        {
            return false;
        }

        HashAlgorithmName? hash = id.HashAlgOid switch
        {
            "1.3.14.3.2.26" => HashAlgorithmName.SHA1,
            "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
            "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
            "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
            _ => null,
        };
        if (hash is not { } algorithm)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Hash(algorithm, issuer.SubjectDer), id.GetIssuerNameHash())
               && CryptographicOperations.FixedTimeEquals(Hash(algorithm, issuerKey), id.GetIssuerKeyHash());
    }

    /// <summary>The key that signed the response: the issuer's own, or an authorized delegated responder's.</summary>
    private static GpuCertificate? FindSigner(ParsedOcspResponse response, GpuCertificate issuer, DateTimeOffset at, out string failure)
    {
        var basic = response.Basic;
        var hash = GpuCertificate.SignatureHashOf(basic.SignatureAlgorithm.Algorithm.Id);
        if (hash is not { } algorithm)
        {
            failure = $"signature algorithm {basic.SignatureAlgorithm.Algorithm.Id} is not ECDSA with SHA-256/384/512";
            return null;
        }

        var tbs = basic.GetTbsResponseData();
        var signature = basic.GetSignature();
        if (GpuCertificate.Verify(issuer.PublicKey, tbs, signature, algorithm))
        {
            failure = string.Empty;
            return issuer;
        }

        failure = "the signature verifies neither with the issuer's key nor with an embedded responder certificate";
        foreach (var embedded in basic.GetCerts())
        {
            GpuCertificate responder;
            try
            {
                responder = GpuCertificate.Parse(embedded.GetEncoded());
            }
            catch (FormatException ex)
            {
                failure = $"embedded responder certificate does not decode: {ex.Message}";
                continue;
            }

            if (!GpuCertificate.Verify(responder.PublicKey, tbs, signature, algorithm))
            {
                continue;
            }

            if (!responder.IsSignedBy(issuer))
            {
                failure = $"responder {responder.DisplayName} is not issued by {issuer.DisplayName}";
                continue;
            }

            if (!HasOcspSigning(responder))
            {
                failure = $"responder {responder.DisplayName} lacks the id-kp-OCSPSigning extended key usage";
                continue;
            }

            if (!responder.IsValidAt(at))
            {
                failure = $"responder {responder.DisplayName} is valid {responder.NotBefore:O} .. {responder.NotAfter:O}, not at {at:O}";
                continue;
            }

            return responder;
        }

        return null;
    }

    private static bool HasOcspSigning(GpuCertificate responder)
    {
        try
        {
            return responder.Certificate.GetExtendedKeyUsage()?.Any(k => k.Id == OcspSigningEku) ?? false;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or Org.BouncyCastle.Security.Certificates.CertificateParsingException)
        {
            return false;
        }
    }

    private static bool NonceMatches(byte[]? extension, byte[] expected)
    {
        if (extension is null)
        {
            return false;
        }

        // The extension value is normally an OCTET STRING wrapping the nonce; accept the bare form too.
        try
        {
            if (Asn1Object.FromByteArray(extension) is Asn1OctetString inner && CryptographicOperations.FixedTimeEquals(inner.GetOctets(), expected))
            {
                return true;
            }
        }
        catch (IOException)
        {
            // not DER: fall through to the raw comparison
        }

        return CryptographicOperations.FixedTimeEquals(extension, expected);
    }

    /// <summary>The BIT STRING contents of the issuer's SubjectPublicKeyInfo (what CertID's issuerKeyHash hashes).</summary>
    private static byte[] IssuerKeyBits(GpuCertificate issuer) =>
        issuer.Certificate.CertificateStructure.SubjectPublicKeyInfo.PublicKey.GetOctets();

    private static byte[] Hash(HashAlgorithmName algorithm, byte[] data) => algorithm.Name switch
    {
        "SHA1" => SHA1.HashData(data),
        "SHA256" => SHA256.HashData(data),
        "SHA512" => SHA512.HashData(data),
        _ => SHA384.HashData(data),
    };

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
