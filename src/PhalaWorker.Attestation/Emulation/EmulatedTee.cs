using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace PhalaWorker.Attestation.Emulation;

/// <summary>
/// A software TDX platform that is a byte-exact twin of a real one: it issues TDX quote v4 structures signed by an emulated
/// attestation key, whose QE report is signed by an emulated PCK leaf under an emulated root CA, and generates the matching DCAP
/// collateral (TCB info, QE identity, CRLs). A DCAP verifier runs the same code on these as on Intel's; it accepts them only
/// when its trusted roots include <see cref="EmulatedRootCertificateDer"/> (policy <c>allowEmulated</c>).
/// Deterministic from a seed (<see cref="FromSeed"/>), random otherwise (<see cref="CreateRandom"/>).
/// </summary>
public sealed partial class EmulatedTee
{
    /// <summary>
    /// The well-known emulation seed (its ASCII bytes are the seed): what an emulated agent uses unless
    /// <c>Attestation:EmulationSeed</c> is set, and what a client trusts when it allows emulation. Every key of the emulated
    /// TEE is derived from the seed (<c>HKDF-SHA256(ikm = seed, salt = ASCII "phala-worker/emulated-tee/v1", info = ASCII
    /// label)</c>, 48 bytes reduced to a P-256 scalar; the root's label is <c>root-ca</c>), so the emulated root's public
    /// key is the same at every start, and its SHA-256 SubjectPublicKeyInfo is <see cref="DefaultRootPublicKeySha256"/>; the root
    /// certificate's validity (and so its fingerprint) follows the start time.
    /// </summary>
    public const string DefaultSeed = "phala-worker/emulated-tee/v1";

    /// <summary>SHA-256 of the emulated root CA's SubjectPublicKeyInfo (DER) for <see cref="DefaultSeed"/>, lower-case hex: the stable value to pin.</summary>
    public const string DefaultRootPublicKeySha256 = "48c098e2e58da07217024f107adafb5719e1e2a5514496ca6ceac98c94d92e46";

    /// <summary>The root CA's common name.</summary>
    public const string RootCaName = "PhalaWorker Emulated SGX Root CA";

    /// <summary>The PCK platform CA's common name.</summary>
    public const string PlatformCaName = "PhalaWorker Emulated SGX PCK Platform CA";

    /// <summary>The PCK leaf's common name.</summary>
    public const string PckCertificateName = "PhalaWorker Emulated SGX PCK Certificate";

    /// <summary>The TCB signing certificate's common name.</summary>
    public const string TcbSigningName = "PhalaWorker Emulated SGX TCB Signing";

    /// <summary>Default validity of generated collateral (TCB info, QE identity, CRLs).</summary>
    public static readonly TimeSpan DefaultCollateralValidity = TimeSpan.FromDays(30);

    private const string Organization = "PhalaWorker Emulated";
    private const string CrlBaseUrl = "https://emulated-tee.phala-worker.invalid/sgx/certification/v4/";

    private readonly byte[] _seed;
    private readonly EmulatedKey _rootKey;
    private readonly EmulatedKey _platformCaKey;
    private readonly EmulatedKey _pckKey;
    private readonly EmulatedKey _tcbSigningKey;
    private readonly EmulatedKey _attestationKey;
    private readonly EmulatedKey _gpuKey;
    private readonly X509Name _rootName = Name(RootCaName);
    private readonly X509Name _platformCaName = Name(PlatformCaName);
    private readonly byte[] _pemChainWithNul;

    private EmulatedTee(ReadOnlySpan<byte> seed, DateTimeOffset issuedAt, EmulatedPlatform platform, TimeSpan? collateralValidity)
    {
        platform.Validate();
        _seed = seed.ToArray();
        Platform = platform;
        _rootKey = EmulatedKey.Derive(seed, "root-ca");
        _platformCaKey = EmulatedKey.Derive(seed, "pck-platform-ca");
        _pckKey = EmulatedKey.Derive(seed, "pck-leaf");
        _tcbSigningKey = EmulatedKey.Derive(seed, "tcb-signing");
        _attestationKey = EmulatedKey.Derive(seed, "attestation-key");
        _gpuKey = EmulatedKey.Derive(seed, "gpu-attestation-key");

        issuedAt = TruncateToSeconds(issuedAt);
        var notBefore = issuedAt.AddDays(-1);
        var root = CreateCertificate(_rootName, _rootName, _rootKey, _rootKey, notBefore, notBefore.AddYears(30), "root-ca", isCa: true, pathLength: 1, CrlBaseUrl + "rootcacrl.der", sgxExtension: null);
        var platformCa = CreateCertificate(_rootName, _platformCaName, _rootKey, _platformCaKey, notBefore, notBefore.AddYears(15), "pck-platform-ca", isCa: true, pathLength: 0, CrlBaseUrl + "rootcacrl.der", sgxExtension: null);
        var pck = CreateCertificate(_platformCaName, Name(PckCertificateName), _platformCaKey, _pckKey, notBefore, notBefore.AddYears(7), "pck-leaf", isCa: false, pathLength: 0, CrlBaseUrl + "pckcrl?ca=platform&encoding=der", SgxExtension());
        var tcbSigning = CreateCertificate(_rootName, Name(TcbSigningName), _rootKey, _tcbSigningKey, notBefore, notBefore.AddYears(7), "tcb-signing", isCa: false, pathLength: 0, CrlBaseUrl + "rootcacrl.der", sgxExtension: null);
        PckChain = new EmulatedPckChain(root.GetEncoded(), platformCa.GetEncoded(), pck.GetEncoded(), tcbSigning.GetEncoded());
        PckSerialNumber = pck.SerialNumber;
        _pemChainWithNul = [.. System.Text.Encoding.ASCII.GetBytes(PckChain.PckChainPem), 0];
        Collateral = CreateCollateral(issuedAt, collateralValidity);
        InitializeQeReport();
    }

    /// <summary>The platform identity this TEE claims.</summary>
    public EmulatedPlatform Platform { get; }

    /// <summary>The emulated certificates.</summary>
    public EmulatedPckChain PckChain { get; }

    /// <summary>The emulated root CA certificate (DER), for <c>TrustedRoots.WithEmulated</c>.</summary>
    public byte[] EmulatedRootCertificateDer => PckChain.RootCertificateDer;

    /// <summary>The attestation public key (X ‖ Y, 64 bytes) that signs quotes.</summary>
    public byte[] AttestationPublicKey => _attestationKey.PublicKeyRaw.ToArray();

    /// <summary>The emulated GPU attestation public key (X ‖ Y) that signs emulated GPU evidence.</summary>
    public byte[] GpuAttestationPublicKey => _gpuKey.PublicKeyRaw.ToArray();

    /// <summary>The collateral generated at construction (valid from the issue time for <see cref="DefaultCollateralValidity"/>).</summary>
    public EmulatedCollateral Collateral { get; }

    internal BigInteger PckSerialNumber { get; }

    /// <summary>Creates an emulated TEE whose keys, certificates, collateral and quotes are a pure function of the arguments.</summary>
    /// <param name="seed">At least 16 bytes of seed.</param>
    /// <param name="issuedAt">The collateral issue time; certificates start one day earlier.</param>
    /// <param name="platform">The platform identity; <see langword="null"/> for the defaults (rated UpToDate).</param>
    /// <param name="collateralValidity">Validity of <see cref="Collateral"/>; default <see cref="DefaultCollateralValidity"/>.</param>
    public static EmulatedTee FromSeed(ReadOnlySpan<byte> seed, DateTimeOffset issuedAt, EmulatedPlatform? platform = null, TimeSpan? collateralValidity = null)
    {
        if (seed.Length < 16)
        {
            throw new ArgumentException("The emulation seed must be at least 16 bytes.", nameof(seed));
        }

        return new EmulatedTee(seed, issuedAt, platform ?? new EmulatedPlatform(), collateralValidity);
    }

    /// <summary>Creates an emulated TEE with fresh random keys, issuing collateral at the current time.</summary>
    public static EmulatedTee CreateRandom(TimeProvider timeProvider, EmulatedPlatform? platform = null, TimeSpan? collateralValidity = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        Span<byte> seed = stackalloc byte[32];
        RandomNumberGenerator.Fill(seed);
        try
        {
            return new EmulatedTee(seed, timeProvider.GetUtcNow(), platform ?? new EmulatedPlatform(), collateralValidity);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>The emulated GPU of this TEE: same seed, certificates issued at <paramref name="issuedAt"/>.</summary>
    public Gpu.Emulation.EmulatedGpu CreateGpu(DateTimeOffset issuedAt) => Gpu.Emulation.EmulatedGpu.FromSeed(_seed, issuedAt);

    internal byte[] SignWithGpuKey(ReadOnlySpan<byte> data) => _gpuKey.SignRaw(data);

    internal string GpuUuid(int index)
    {
        var bytes = EmulatedKey.DeriveBytes(_seed, "gpu-uuid:" + index.ToString(System.Globalization.CultureInfo.InvariantCulture), 16);
        return "GPU-" + new Guid(bytes).ToString();
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static X509Name Name(string commonName) => new(
        new List<DerObjectIdentifier> { X509Name.CN, X509Name.O, X509Name.L, X509Name.ST, X509Name.C },
        new List<string> { commonName, Organization, "Santa Clara", "CA", "US" });

    private BigInteger Serial(string label)
    {
        var bytes = EmulatedKey.DeriveBytes(_seed, "serial:" + label, 20);
        bytes[0] = (byte)((bytes[0] & 0x3f) | 0x10); // positive, full 20 bytes like Intel's serials
        return new BigInteger(1, bytes);
    }

    private X509Certificate CreateCertificate(
        X509Name issuer, X509Name subject, EmulatedKey issuerKey, EmulatedKey subjectKey, DateTimeOffset notBefore, DateTimeOffset notAfter,
        string label, bool isCa, int pathLength, string crlUrl, Asn1Encodable? sgxExtension)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(Serial(label));
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(notBefore.UtcDateTime);
        generator.SetNotAfter(notAfter.UtcDateTime);
        generator.SetPublicKey(subjectKey.PublicKey);

        // Same extensions, order and criticality as Intel's certificates.
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(KeyId(issuerKey)));
        generator.AddExtension(X509Extensions.CrlDistributionPoints, false, new CrlDistPoint(
        [
            new DistributionPoint(new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, crlUrl))), null, null),
        ]));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(KeyId(subjectKey)));
        generator.AddExtension(X509Extensions.KeyUsage, true, isCa
            ? new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign)
            : new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.NonRepudiation));
        generator.AddExtension(X509Extensions.BasicConstraints, true, isCa ? new BasicConstraints(pathLength) : new BasicConstraints(false));
        if (sgxExtension is not null)
        {
            generator.AddExtension(SgxExtensionOids.SgxExtensions, false, sgxExtension);
        }

        return generator.Generate(issuerKey.SignatureFactory);
    }

    private static byte[] KeyId(EmulatedKey key) =>
        X509ExtensionUtilities.CreateSubjectKeyIdentifier(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key.PublicKey)).GetKeyIdentifier();

    private DerSequence SgxExtension()
    {
        var tcb = new Asn1EncodableVector();
        for (var i = 0; i < 16; i++)
        {
            tcb.Add(new DerSequence(SgxExtensionOids.TcbComponent(i + 1), DerInteger.ValueOf(Platform.SgxTcbComponents[i])));
        }

        tcb.Add(new DerSequence(SgxExtensionOids.TcbComponent(17), DerInteger.ValueOf(Platform.PceSvn)));
        tcb.Add(new DerSequence(SgxExtensionOids.TcbComponent(18), new DerOctetString(Platform.CpuSvn)));

        return new DerSequence(
            new DerSequence(SgxExtensionOids.Ppid, new DerOctetString(EmulatedKey.DeriveBytes(_seed, "ppid", 16))),
            new DerSequence(SgxExtensionOids.Tcb, new DerSequence(tcb)),
            new DerSequence(SgxExtensionOids.PceId, new DerOctetString(Platform.PceId)),
            new DerSequence(SgxExtensionOids.Fmspc, new DerOctetString(Platform.Fmspc)),
            new DerSequence(SgxExtensionOids.SgxType, new DerEnumerated(Platform.SgxType)),
            new DerSequence(SgxExtensionOids.PlatformInstanceId, new DerOctetString(EmulatedKey.DeriveBytes(_seed, "platform-instance-id", 16))),
            new DerSequence(
                SgxExtensionOids.Configuration,
                new DerSequence(
                    new DerSequence(SgxExtensionOids.ConfigurationItem(1), DerBoolean.True),
                    new DerSequence(SgxExtensionOids.ConfigurationItem(2), DerBoolean.True),
                    new DerSequence(SgxExtensionOids.ConfigurationItem(3), DerBoolean.True))));
    }
}
