using PhalaWorker.Attestation.Internal;

namespace PhalaWorker.Attestation.Gpu.Verification;

/// <summary>
/// The root certificates GPU evidence may chain to, anchored on subject name and public key (so a re-issued root with the same
/// key still verifies, while a root carried in evidence is never trusted by itself). <see cref="NvidiaDevice"/> holds the
/// built-in NVIDIA Device Identity CA. <see cref="WithEmulated"/> adds an emulated root, accepted only under allowEmulated.
/// </summary>
public sealed class GpuTrustedRoots
{
    /// <summary>SHA-256 of the built-in NVIDIA Device Identity CA's SubjectPublicKeyInfo, checked when the resource loads.</summary>
    public const string NvidiaDeviceRootKeySha256 = "a90c4eb5acfd3e3d03a25db6a26b84f720ad0503196c627c21ddd48dd85b06a4";

    private static readonly Lazy<GpuTrustedRoots> Device = new(() => new([new(LoadResource("PhalaWorker.Attestation.NvidiaDeviceIdentityCA.pem"), IsEmulated: false)]));

    private readonly List<GpuTrustedRoot> _roots;

    private GpuTrustedRoots(List<GpuTrustedRoot> roots) => _roots = roots;

    /// <summary>The NVIDIA Device Identity CA (root of every Hopper/Blackwell device certificate chain).</summary>
    public static GpuTrustedRoots NvidiaDevice => Device.Value;

    /// <summary>Number of roots.</summary>
    public int Count => _roots.Count;

    /// <summary>A set with one root from a PEM or DER certificate (for RIM roots and tests).</summary>
    public static GpuTrustedRoots FromCertificate(ReadOnlySpan<byte> pemOrDer) => new([new(ParseOne(pemOrDer), IsEmulated: false)]);

    /// <summary>A new set with this set's roots plus an emulated root (PEM or DER, self-signed).</summary>
    public GpuTrustedRoots WithEmulated(ReadOnlySpan<byte> pemOrDer)
    {
        var cert = ParseOne(pemOrDer);
        if (!cert.IsSelfIssued || !cert.IsSignedBy(cert))
        {
            throw new ArgumentException("emulated root must be self-signed", nameof(pemOrDer));
        }

        return new GpuTrustedRoots([.. _roots, new(cert, IsEmulated: true)]);
    }

    internal GpuTrustedRoot? Find(GpuCertificate candidate)
    {
        foreach (var root in _roots)
        {
            if (root.Certificate.SubjectDer.AsSpan().SequenceEqual(candidate.SubjectDer)
                && root.Certificate.SubjectPublicKeyInfo.AsSpan().SequenceEqual(candidate.SubjectPublicKeyInfo))
            {
                return root;
            }
        }

        return null;
    }

    private static GpuCertificate ParseOne(ReadOnlySpan<byte> pemOrDer)
    {
        try
        {
            var ders = pemOrDer.Length > 0 && pemOrDer[0] == 0x30 ? [pemOrDer.ToArray()] : Pem.SplitCertificates(pemOrDer);
            if (ders.Count != 1)
            {
                throw new FormatException($"expected one certificate, found {ders.Count}");
            }

            return GpuCertificate.Parse(ders[0]);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"root is not a usable certificate: {ex.Message}", nameof(pemOrDer), ex);
        }
    }

    private static GpuCertificate LoadResource(string name)
    {
        using var stream = typeof(GpuTrustedRoots).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} resource missing");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var cert = GpuCertificate.Parse(Pem.SplitCertificates(buffer.ToArray()).Single());
        var keyHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(cert.SubjectPublicKeyInfo));
        if (keyHash != NvidiaDeviceRootKeySha256)
        {
            throw new InvalidOperationException($"{name} does not match its pinned key ({keyHash})");
        }

        return cert;
    }
}

internal sealed record GpuTrustedRoot(GpuCertificate Certificate, bool IsEmulated);
