using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Rim;
using PhalaWorker.Attestation.Gpu.Spdm;
using PhalaWorker.Attestation.Gpu.Verification;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace PhalaWorker.Attestation.Gpu.Emulation;

/// <summary>
/// The emulated GPU, the GPU twin of the emulated TEE: a 5-certificate P-384 device chain shaped like NVIDIA's ("… Emulated
/// Device Identity CA" → "… GH100 Identity" → "… GH100 A01 FSP BROM" → "… GH100 A01 GSP BROM" → leaf "… GH100 A01 GSP FMC LF"
/// carrying the TCG DICE FWID extension 2.23.133.5.4.1), keys derived from a seed with HKDF-SHA384 and RFC 6979 deterministic
/// ECDSA. <see cref="WriteReport"/> produces a byte-exact SPDM 1.1 GET_MEASUREMENTS request ‖ MEASUREMENTS response (64 SHA-384
/// measurement blocks; opaque TLVs driver / VBIOS version, project, project SKU, chip SKU, FWID, NVDEC0 status) signed with the
/// leaf key over <c>[0, len − 96)</c>; <see cref="WriteRims"/> the matching driver and VBIOS RIMs (through
/// <see cref="EmulatedRimAuthority"/>); <see cref="WriteOcspResponses"/> OCSP "good" answers for device chain indices 1..3 and
/// RIM chain indices 0..2. Everything goes through the same <see cref="GpuVerifier"/> as real evidence and is accepted only with
/// <see cref="TrustedRoots"/> / <see cref="RimTrustedRoots"/> and a policy with <c>AllowEmulated</c>.
/// </summary>
public sealed class EmulatedGpu
{
    /// <summary>Subject CN of the emulated device root.</summary>
    public const string RootName = "PhalaWorker Emulated Device Identity CA";

    /// <summary>Architecture the emulated GPU reports.</summary>
    public const string Arch = "HOPPER";

    /// <summary>Driver version in the report's opaque data (and the driver RIM).</summary>
    public const string DriverVersion = "550.90.07";

    /// <summary>VBIOS version in the report's opaque data (and the VBIOS RIM), NVML formatting.</summary>
    public const string VbiosVersion = "96.00.9f.00.01";

    /// <summary>Project, project SKU and chip SKU of the emulated board (they name the VBIOS RIM).</summary>
    public const string Project = "1010";

    /// <summary>Project SKU.</summary>
    public const string ProjectSku = "0200";

    /// <summary>Chip SKU.</summary>
    public const string ChipSku = "882";

    /// <summary>Number of measurement blocks in a report (indices 1..64, as on an H100).</summary>
    public const int MeasurementCount = 64;

    /// <summary>RIM indices below this belong to the driver RIM, the rest to the VBIOS RIM.</summary>
    public const int DriverMeasurementCount = 32;

    /// <summary>Validity of the certificates when none is given.</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(365);

    private static readonly byte[] Salt = Encoding.ASCII.GetBytes("phala-worker/emulated-gpu/v1");

    private readonly ECPrivateKeyParameters _leafKey;
    private readonly IReadOnlyList<ECPrivateKeyParameters> _chainKeys;
    private readonly byte[] _seedTag;
    private readonly DateTimeOffset _notBefore;
    private readonly DateTimeOffset _notAfter;

    private EmulatedGpu(IReadOnlyList<ECPrivateKeyParameters> chainKeys, IReadOnlyList<byte[]> chain, byte[] fwid, IReadOnlyList<byte[]> measurements,
        EmulatedRimAuthority rims, byte[] seedTag, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        _chainKeys = chainKeys;
        _leafKey = chainKeys[0];
        CertificateChainDer = chain;
        Fwid = fwid;
        Measurements = measurements;
        RimAuthority = rims;
        _seedTag = seedTag;
        _notBefore = notBefore;
        _notAfter = notAfter;
    }

    /// <summary>The device chain, leaf first, root last (5 certificates).</summary>
    public IReadOnlyList<byte[]> CertificateChainDer { get; }

    /// <summary>The device chain as concatenated PEM, leaf first (what NVML returns).</summary>
    public string CertificateChainPem => string.Concat(CertificateChainDer.Select(der => PemEncoding.WriteString("CERTIFICATE", der) + "\n"));

    /// <summary>The self-signed emulated device root (DER).</summary>
    public byte[] RootCertificateDer => CertificateChainDer[^1];

    /// <summary>The firmware id in the report and at the end of the leaf's FWID extension (48 bytes).</summary>
    public byte[] Fwid { get; }

    /// <summary>The 64 measurement values (SHA-384), block index <c>i + 1</c> = RIM index <c>i</c>.</summary>
    public IReadOnlyList<byte[]> Measurements { get; }

    /// <summary>The emulated RIM signing hierarchy that signs this GPU's RIMs.</summary>
    public EmulatedRimAuthority RimAuthority { get; }

    /// <summary>The NVIDIA Device Identity CA plus this emulated root.</summary>
    public GpuTrustedRoots TrustedRoots => GpuTrustedRoots.NvidiaDevice.WithEmulated(RootCertificateDer);

    /// <summary>The NVIDIA CoRIM signing root plus the emulated RIM root.</summary>
    public RimTrustedRoots RimTrustedRoots => RimAuthority.TrustedRoots;

    /// <summary>The driver RIM id the report names.</summary>
    public static RimId DriverRimId => RimId.ForDriver("GH100", DriverVersion);

    /// <summary>The VBIOS RIM id the report names.</summary>
    public static RimId VbiosRimId => RimId.ForVbios(Project, ProjectSku, ChipSku, VbiosVersion);

    /// <summary>A deterministic emulated GPU: the same seed and time give the same keys, certificates, reports and RIMs.</summary>
    public static EmulatedGpu FromSeed(ReadOnlySpan<byte> seed, DateTimeOffset issuedAt, TimeSpan? validity = null)
    {
        var lifetime = validity ?? DefaultValidity;
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(validity), "validity must be positive");
        }

        var notBefore = issuedAt.AddMinutes(-5);
        var notAfter = issuedAt + lifetime;
        string[] labels = ["gpu/leaf", "gpu/gsp-brom", "gpu/fsp-brom", "gpu/identity", "gpu/root"];
        string[] names = ["GH100 A01 GSP FMC LF", "GH100 A01 GSP BROM", "GH100 A01 FSP BROM", "GH100 Identity", "Device Identity CA"];
        var keys = new (ECPrivateKeyParameters Private, ECPublicKeyParameters Public)[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            keys[i] = Derive(seed, labels[i]);
        }

        var fwid = Bytes(seed, "gpu/fwid", 48);
        var certs = new X509Certificate[5];
        for (var i = 4; i >= 0; i--)
        {
            var issuer = Math.Min(i + 1, 4);
            var subjectName = Name(names[i]);
            var issuerName = Name(names[issuer]);
            certs[i] = Issue(seed, labels[i], issuerName, keys[issuer], subjectName, keys[i].Public, notBefore, notAfter, isCa: i > 0, ocspSigning: false,
                i == 0 ? FwidExtension(fwid) : null);
        }

        var measurements = new List<byte[]>(MeasurementCount);
        for (var i = 0; i < MeasurementCount; i++)
        {
            measurements.Add(Bytes(seed, $"gpu/measurement/{i}", 48));
        }

        var rims = EmulatedRimAuthority.FromSeed(seed, issuedAt, lifetime);
        return new EmulatedGpu([.. keys.Select(k => k.Private)], [.. certs.Select(c => c.GetEncoded())], fwid, measurements, rims,
            Bytes(seed, "gpu/responder-nonce", 32), notBefore, notAfter);
    }

    /// <summary>
    /// A signed attestation report for <paramref name="nonce"/> (32 bytes): GET_MEASUREMENTS (SPDM 1.1, signature requested,
    /// all measurements, slot 0) ‖ MEASUREMENTS (64 DMTF blocks, responder nonce, opaque data, 96-byte P-384 r‖s signature).
    /// </summary>
    public byte[] WriteReport(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != 32)
        {
            throw new ArgumentException($"nonce is {nonce.Length} bytes; the SPDM request nonce is 32", nameof(nonce));
        }

        var report = new List<byte>(4096)
        {
            GpuAttestationReportParser.SpdmVersion11, GpuAttestationReportParser.GetMeasurementsCode, 0x01, 0xFF,
        };
        report.AddRange(nonce.ToArray());
        report.Add(0x00); // slot id

        var record = new List<byte>(MeasurementCount * 55);
        for (var i = 0; i < MeasurementCount; i++)
        {
            var value = Measurements[i];
            record.Add((byte)(i + 1));
            record.Add(0x01); // DMTF measurement specification
            AddU16(record, value.Length + 3);
            record.Add(i < DriverMeasurementCount ? (byte)0x01 : (byte)0x00); // mutable firmware / immutable ROM
            AddU16(record, value.Length);
            record.AddRange(value);
        }

        report.AddRange([GpuAttestationReportParser.SpdmVersion11, GpuAttestationReportParser.MeasurementsCode, 0x00, 0x00, MeasurementCount]);
        report.AddRange([(byte)record.Count, (byte)(record.Count >> 8), (byte)(record.Count >> 16)]);
        report.AddRange(record);
        report.AddRange(HMACSHA256.HashData(_seedTag, nonce));

        var opaque = new List<byte>(256);
        AddField(opaque, OpaqueFieldId.DriverVersion, Encoding.ASCII.GetBytes(DriverVersion + "\0"));
        AddField(opaque, OpaqueFieldId.VbiosVersion, VbiosBytes());
        AddField(opaque, OpaqueFieldId.Nvdec0Status, [RimMeasurementComparer.Nvdec0Enabled]);
        AddField(opaque, OpaqueFieldId.ChipSku, Padded(ChipSku, 8));
        AddField(opaque, OpaqueFieldId.Project, Padded(Project, 8));
        AddField(opaque, OpaqueFieldId.ProjectSku, Padded(ProjectSku, 8));
        AddField(opaque, OpaqueFieldId.Fwid, Fwid);
        AddU16(report, opaque.Count);
        report.AddRange(opaque);

        var signed = report.ToArray();
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha384Digest()));
        signer.Init(true, _leafKey);
        var rs = signer.GenerateSignature(SHA384.HashData(signed));
        var result = new byte[signed.Length + SpdmMeasurementResponse.SignatureSize];
        signed.CopyTo(result, 0);
        var r = rs[0].ToByteArrayUnsigned();
        var s = rs[1].ToByteArrayUnsigned();
        r.CopyTo(result.AsSpan(signed.Length + 48 - r.Length));
        s.CopyTo(result.AsSpan(signed.Length + 96 - s.Length));
        return result;
    }

    /// <summary>One GPU's evidence for <paramref name="nonce"/>, with NVML's view (versions, UUID, CC mode on) alongside.</summary>
    public GpuEvidenceItem Evidence(ReadOnlySpan<byte> nonce) => new()
    {
        Arch = Arch,
        CertificateChainPem = Encoding.ASCII.GetBytes(CertificateChainPem),
        Report = WriteReport(nonce),
        Nonce = nonce.ToArray(),
        DriverVersion = DriverVersion,
        VbiosVersion = VbiosVersion,
        Uuid = Uuid,
        CcMode = "on",
    };

    /// <summary>The emulated GPU's UUID (derived from the leaf key, NVML formatting).</summary>
    public string Uuid
    {
        get
        {
            var hash = SHA256.HashData(CertificateChainDer[0]);
            var hex = Convert.ToHexStringLower(hash.AsSpan(0, 16));
            return $"GPU-{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
        }
    }

    /// <summary>The driver RIM (indices 0..31) and the VBIOS RIM (indices 32..63), golden values equal to the report's blocks.</summary>
    public IReadOnlyList<byte[]> WriteRims()
    {
        var driver = Enumerable.Range(0, DriverMeasurementCount).Select(i => new RimMeasurement(i, true, $"driver-{i}", [Measurements[i]], 48)).ToList();
        var vbios = Enumerable.Range(DriverMeasurementCount, MeasurementCount - DriverMeasurementCount).Select(i => new RimMeasurement(i, true, $"vbios-{i}", [Measurements[i]], 48)).ToList();
        return
        [
            RimAuthority.WriteRim(DriverRimId, "GH100", DriverVersion, driver),
            RimAuthority.WriteRim(VbiosRimId, "GH100", VbiosVersion, vbios),
        ];
    }

    /// <summary><see cref="WriteRims"/>, parsed.</summary>
    public IReadOnlyList<ReferenceIntegrityManifest> Rims()
    {
        var rims = WriteRims();
        return [ReferenceIntegrityManifest.Parse(rims[0], DriverRimId), ReferenceIntegrityManifest.Parse(rims[1], VbiosRimId)];
    }

    /// <summary>
    /// OCSP "good" responses (DER OCSPResponse, SHA-384 CertIDs, thisUpdate one hour before <paramref name="at"/>, nextUpdate a day
    /// after) for device chain indices 1..3 and RIM chain indices 0..2, each signed by a delegated responder (id-kp-OCSPSigning)
    /// issued by the certificate's issuer. Optionally carrying <paramref name="nonce"/>.
    /// </summary>
    public IReadOnlyList<byte[]> WriteOcspResponses(DateTimeOffset at, byte[]? nonce = null)
    {
        var responses = new List<byte[]>(6);
        var device = CertificateChainDer.Select(d => new X509CertificateParser().ReadCertificate(d)).ToList();
        for (var i = 1; i <= 3; i++)
        {
            responses.Add(Respond($"gpu/ocsp/{i}", device[i], device[i + 1], _chainKeys[i + 1], at, nonce));
        }

        var rim = RimAuthority.CertificateChainDer.Select(d => new X509CertificateParser().ReadCertificate(d)).ToList();
        for (var i = 0; i <= 2; i++)
        {
            responses.Add(Respond($"rim/ocsp/{i}", rim[i], rim[i + 1], RimAuthority.ChainPrivateKey(i + 1), at, nonce));
        }

        return responses;
    }

    /// <summary><see cref="WriteOcspResponses"/> as a set.</summary>
    public OcspResponseSet OcspResponses(DateTimeOffset at, byte[]? nonce = null) => OcspResponseSet.FromDer(WriteOcspResponses(at, nonce));

    private byte[] Respond(string label, X509Certificate target, X509Certificate issuer, ECPrivateKeyParameters issuerKey, DateTimeOffset at, byte[]? nonce)
    {
        var responderKey = Derive(_seedTag, label);
        var responderName = new X509Name($"CN={CommonName(issuer)} OCSP Responder,O=PhalaWorker Emulated,C=US");
        var responder = Issue(_seedTag, label, issuer.SubjectDN, (issuerKey, PublicOf(issuerKey)), responderName, responderKey.Public, _notBefore, _notAfter,
            isCa: false, ocspSigning: true, null);
        var generator = new BasicOcspRespGenerator(responderKey.Public);
        var id = new CertificateID(new AlgorithmIdentifier(NistObjectIdentifiers.IdSha384), issuer, target.SerialNumber);
        generator.AddResponse(id, CertificateStatus.Good, at.AddHours(-1).UtcDateTime, at.AddDays(1).UtcDateTime, null);
        if (nonce is not null)
        {
            generator.SetResponseExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension>
            {
                [Org.BouncyCastle.Asn1.Ocsp.OcspObjectIdentifiers.PkixOcspNonce] = new(false, new DerOctetString(new DerOctetString(nonce))),
            }));
        }

        var basic = generator.Generate(EmulatedP384.SignatureFactory(responderKey.Private), [responder], at.AddHours(-1).UtcDateTime);
        return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
    }

    private static byte[] VbiosBytes()
    {
        // NVML formatting reads the 8 bytes as a little-endian u64: low 32 bits "96.00.9f.00", byte 4 "01".
        var value = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(value, 0x96009F00);
        value[4] = 0x01;
        return value;
    }

    private static byte[] Padded(string ascii, int length)
    {
        var value = new byte[length];
        Encoding.ASCII.GetBytes(ascii).CopyTo(value, 0);
        return value;
    }

    private static void AddField(List<byte> opaque, OpaqueFieldId id, byte[] value)
    {
        AddU16(opaque, (int)id);
        AddU16(opaque, value.Length);
        opaque.AddRange(value);
    }

    private static void AddU16(List<byte> buffer, int value)
    {
        buffer.Add((byte)value);
        buffer.Add((byte)(value >> 8));
    }

    /// <summary>DiceTcbInfo { vendor [0], model [1], fwids [6] { { sha384, fwid } } }: the DER ends with the 48 FWID bytes.</summary>
    private static byte[] FwidExtension(byte[] fwid)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.UTF8String, "PhalaWorker Emulated", new Asn1Tag(TagClass.ContextSpecific, 0));
            writer.WriteCharacterString(UniversalTagNumber.UTF8String, "GH100", new Asn1Tag(TagClass.ContextSpecific, 1));
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 6, isConstructed: true)))
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("2.16.840.1.101.3.4.2.2");
                writer.WriteOctetString(fwid);
            }
        }

        return writer.Encode();
    }

    private static (ECPrivateKeyParameters Private, ECPublicKeyParameters Public) Derive(ReadOnlySpan<byte> seed, string label) => EmulatedP384.Derive(seed, Salt, label);

    private static ECPublicKeyParameters PublicOf(ECPrivateKeyParameters key) => EmulatedP384.PublicOf(key);

    private static byte[] Bytes(ReadOnlySpan<byte> seed, string label, int length) => EmulatedP384.Bytes(seed, Salt, label, length);

    private static X509Certificate Issue(
        ReadOnlySpan<byte> seed,
        string label,
        X509Name issuer,
        (ECPrivateKeyParameters Private, ECPublicKeyParameters Public) issuerKey,
        X509Name subject,
        ECPublicKeyParameters subjectKey,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        bool isCa,
        bool ocspSigning,
        byte[]? fwidExtension) =>
        EmulatedP384.Issue(seed, Salt, label, issuer, issuerKey, subject, subjectKey, notBefore, notAfter, new BasicConstraints(isCa), generator =>
        {
            if (ocspSigning)
            {
                generator.AddExtension(X509Extensions.ExtendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeID.id_kp_OCSPSigning));
            }

            if (fwidExtension is not null)
            {
                generator.AddExtension(new DerObjectIdentifier(GpuVerifier.FwidExtensionOid), false, Asn1Object.FromByteArray(fwidExtension));
            }
        });

    private static X509Name Name(string suffix) => new($"CN=PhalaWorker Emulated {suffix},O=PhalaWorker Emulated,C=US");

    private static string CommonName(X509Certificate cert) =>
        cert.SubjectDN.GetValueList(X509Name.CN).FirstOrDefault() ?? "PhalaWorker Emulated";
}
