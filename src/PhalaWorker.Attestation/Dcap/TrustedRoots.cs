using System.Security.Cryptography;
using PhalaWorker.Attestation.Internal;

namespace PhalaWorker.Attestation.Dcap;

/// <summary>
/// The root certificates the verifier accepts, pinned by the SHA-256 of their SubjectPublicKeyInfo. Chains must end at one of
/// these keys; a root certificate carried in a quote or collateral is never trusted by itself. <see cref="Intel"/> holds the
/// Intel SGX Root CA (built in). <see cref="WithEmulated"/> adds an emulated root, which the verifier accepts only when the
/// policy allows emulation.
/// </summary>
public sealed class TrustedRoots
{
    /// <summary>SHA-256 of the Intel SGX Root CA certificate DER (44A0196B…74D3).</summary>
    public const string IntelRootCertificateSha256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

    private static readonly Lazy<TrustedRoots> IntelRoots = new(LoadIntel);

    private readonly List<TrustedRoot> _roots;

    private TrustedRoots(List<TrustedRoot> roots)
    {
        _roots = roots;
        Id = Convert.ToHexStringLower(SHA256.HashData(roots.SelectMany(r => r.Certificate.SubjectPublicKeyInfoSha256.Append(r.IsEmulated ? (byte)1 : (byte)0)).ToArray()));
    }

    /// <summary>Intel SGX Root CA only.</summary>
    public static TrustedRoots Intel => IntelRoots.Value;

    /// <summary>The DER of the built-in Intel SGX Root CA.</summary>
    public static byte[] IntelRootCertificateDer => IntelRoots.Value._roots[0].Certificate.Der.ToArray();

    /// <summary>Identity of this set (hash of the pinned keys), part of the verifier's cache keys.</summary>
    public string Id { get; }

    /// <summary>Number of pinned roots.</summary>
    public int Count => _roots.Count;

    /// <summary>A new set with the roots of this one plus an emulated root (self-signed ECDSA P-256 certificate, DER).</summary>
    public TrustedRoots WithEmulated(ReadOnlySpan<byte> rootCertificateDer)
    {
        ParsedCertificate cert;
        try
        {
            cert = ParsedCertificate.Parse(rootCertificateDer.ToArray());
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"emulated root is not a usable certificate: {ex.Message}", nameof(rootCertificateDer), ex);
        }

        if (!cert.IsSelfIssued || !cert.PublicKey.VerifyDer(cert.Tbs, cert.Signature))
        {
            throw new ArgumentException("emulated root must be self-signed", nameof(rootCertificateDer));
        }

        var roots = new List<TrustedRoot>(_roots) { new(cert, IsEmulated: true) };
        return new TrustedRoots(roots);
    }

    internal TrustedRoot? FindByKey(ReadOnlySpan<byte> spkiSha256)
    {
        foreach (var root in _roots)
        {
            if (root.Certificate.SubjectPublicKeyInfoSha256.AsSpan().SequenceEqual(spkiSha256))
            {
                return root;
            }
        }

        return null;
    }

    internal TrustedRoot? FindBySubject(ParsedCertificate issued)
    {
        foreach (var root in _roots)
        {
            if (issued.Certificate.IssuerDN.Equivalent(root.Certificate.Certificate.SubjectDN, inOrder: true))
            {
                return root;
            }
        }

        return null;
    }

    private static TrustedRoots LoadIntel()
    {
        using var stream = typeof(TrustedRoots).Assembly.GetManifestResourceStream("PhalaWorker.Attestation.IntelSgxRootCA.der")
            ?? throw new InvalidOperationException("Intel SGX Root CA resource missing");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var der = buffer.ToArray();
        if (Convert.ToHexStringLower(SHA256.HashData(der)) != IntelRootCertificateSha256)
        {
            throw new InvalidOperationException("Intel SGX Root CA resource does not match its pinned fingerprint");
        }

        return new TrustedRoots([new TrustedRoot(ParsedCertificate.Parse(der), IsEmulated: false)]);
    }
}

internal sealed record TrustedRoot(ParsedCertificate Certificate, bool IsEmulated)
{
    public bool SameKey(TrustedRoot other) =>
        IsEmulated == other.IsEmulated && Certificate.SubjectPublicKeyInfoSha256.AsSpan().SequenceEqual(other.Certificate.SubjectPublicKeyInfoSha256);
}
