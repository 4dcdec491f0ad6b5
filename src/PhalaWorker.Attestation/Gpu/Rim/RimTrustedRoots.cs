using System.Security.Cryptography;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// The roots a RIM chain may end at, anchored on subject and public key. <see cref="Nvidia"/> holds the built-in
/// "NVIDIA CoRIM signing Root CA" (pinned by the SHA-256 of its DER). <see cref="WithEmulated"/> adds an emulated root; a
/// chain ending there verifies with <see cref="RimVerificationResult.Emulated"/> set, and only a verifier that was handed
/// such a set explicitly can accept it.
/// </summary>
public sealed class RimTrustedRoots
{
    /// <summary>SHA-256 of the NVIDIA CoRIM signing Root CA certificate DER.</summary>
    public const string NvidiaRootCertificateSha256 = "12977b5115acb0381179279fffeb5a8c4d264971ebb32298023a465fa41df5d1";

    private static readonly Lazy<RimTrustedRoots> NvidiaRoots = new(LoadNvidia);

    private readonly List<RimRoot> _roots;

    private RimTrustedRoots(List<RimRoot> roots) => _roots = roots;

    /// <summary>The NVIDIA CoRIM signing Root CA only (the production set).</summary>
    public static RimTrustedRoots Nvidia => NvidiaRoots.Value;

    /// <summary>The DER of the built-in NVIDIA CoRIM signing Root CA.</summary>
    public static byte[] NvidiaRootCertificateDer => NvidiaRoots.Value._roots[0].Der.ToArray();

    /// <summary>Number of roots.</summary>
    public int Count => _roots.Count;

    /// <summary>True when this set trusts an emulated root.</summary>
    public bool TrustsEmulated => _roots.Any(r => r.IsEmulated);

    /// <summary>A new set: these roots plus an emulated root (a self-signed CA certificate, DER).</summary>
    public RimTrustedRoots WithEmulated(ReadOnlySpan<byte> rootCertificateDer)
    {
        var root = RimRoot.Create(rootCertificateDer.ToArray(), isEmulated: true, out var error)
            ?? throw new ArgumentException($"emulated RIM root is not usable: {error}", nameof(rootCertificateDer));
        return new RimTrustedRoots([.. _roots, root]);
    }

    /// <summary>The root with this subject and key, or null.</summary>
    internal RimRoot? Find(ReadOnlySpan<byte> subjectDer, ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        foreach (var root in _roots)
        {
            if (root.SubjectDer.AsSpan().SequenceEqual(subjectDer) && root.SubjectPublicKeyInfo.AsSpan().SequenceEqual(subjectPublicKeyInfo))
            {
                return root;
            }
        }

        return null;
    }

    private static RimTrustedRoots LoadNvidia()
    {
        using var stream = typeof(RimTrustedRoots).Assembly.GetManifestResourceStream("PhalaWorker.Attestation.NvidiaCorimSigningRootCA.pem")
            ?? throw new InvalidOperationException("NVIDIA CoRIM signing Root CA resource missing");
        using var reader = new StreamReader(stream);
        var der = Internal.Pem.SplitCertificates(reader.ReadToEnd()).Single();
        if (Convert.ToHexStringLower(SHA256.HashData(der)) != NvidiaRootCertificateSha256)
        {
            throw new InvalidOperationException("NVIDIA CoRIM signing Root CA resource does not match its pinned fingerprint");
        }

        var root = RimRoot.Create(der, isEmulated: false, out var error)
            ?? throw new InvalidOperationException($"NVIDIA CoRIM signing Root CA resource is not usable: {error}");
        return new RimTrustedRoots([root]);
    }
}

/// <summary>A trusted RIM root: its DER, subject, SubjectPublicKeyInfo and whether it is emulated.</summary>
internal sealed class RimRoot
{
    private RimRoot(RimCertificate certificate, bool isEmulated)
    {
        Certificate = certificate;
        IsEmulated = isEmulated;
    }

    public RimCertificate Certificate { get; }

    public byte[] Der => Certificate.Der;

    public byte[] SubjectDer => Certificate.SubjectDer;

    public byte[] SubjectPublicKeyInfo => Certificate.SubjectPublicKeyInfo;

    public bool IsEmulated { get; }

    public static RimRoot? Create(byte[] der, bool isEmulated, out string? error)
    {
        RimCertificate certificate;
        try
        {
            certificate = RimCertificate.Parse(der);
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }

        if (!certificate.IsSelfIssued || !certificate.IsCa || !certificate.IsSignedBy(certificate))
        {
            error = "not a self-signed CA certificate";
            return null;
        }

        error = null;
        return new RimRoot(certificate, isEmulated);
    }
}
