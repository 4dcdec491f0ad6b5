using System.Text;
using System.Text.Json;
using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Internal;

namespace PhalaWorker.Attestation.Dcap;

/// <summary>
/// Everything about one collateral set that does not depend on the quote or the time: decoded CRLs and chains with their
/// signatures checked, TCB info / QE identity signatures checked and decoded into comparison-ready arrays. Built once per
/// collateral content and trusted-root set, then cached by <see cref="DcapVerifier"/>.
/// </summary>
internal sealed class PreparedCollateral
{
    public AppraisalFailure? Failure { get; private init; }

    public TrustedRoot Root { get; private init; } = null!;

    public ParsedCrl RootCrl { get; private init; } = null!;

    public ParsedCrl PckCrl { get; private init; } = null!;

    public ParsedCertificate[] TcbInfoChain { get; private init; } = [];

    public ParsedCertificate[] QeIdentityChain { get; private init; } = [];

    public ParsedCertificate[] PckCrlIssuerChain { get; private init; } = [];

    /// <summary>Distinct certificates of the three collateral chains (for validity windows and revocation).</summary>
    public ParsedCertificate[] CollateralCertificates { get; private init; } = [];

    public TcbInfo TcbInfo { get; private init; } = null!;

    public QeIdentity QeIdentity { get; private init; } = null!;

    public byte[] Fmspc { get; private init; } = [];

    public byte[] PceId { get; private init; } = [];

    public PlatformLevel[] PlatformLevels { get; private init; } = [];

    public ModuleIdentity? DefaultModule { get; private init; }

    public Dictionary<string, ModuleIdentity> ModuleIdentities { get; private init; } = [];

    public byte[] QeMrSigner { get; private init; } = [];

    public uint QeMiscSelect { get; private init; }

    public uint QeMiscSelectMask { get; private init; }

    public byte[] QeAttributes { get; private init; } = [];

    public byte[] QeAttributesMask { get; private init; } = [];

    public SvnLevel[] QeLevels { get; private init; } = [];

    /// <summary>Earliest nextUpdate / notAfter over the collateral.</summary>
    public DateTimeOffset ExpiresAt { get; private init; }

    public static PreparedCollateral Prepare(QuoteCollateral collateral, TrustedRoots roots)
    {
        static PreparedCollateral Fail(VerificationCheck check, string item, string message) => new() { Failure = new AppraisalFailure(check, item, message) };

        // CRLs.
        ParsedCrl rootCrl, pckCrl;
        try
        {
            rootCrl = ParsedCrl.Parse(collateral.RootCaCrl);
        }
        catch (FormatException ex)
        {
            return Fail(VerificationCheck.CollateralFormat, "root_ca_crl", $"root CA CRL does not decode: {ex.Message}");
        }

        try
        {
            pckCrl = ParsedCrl.Parse(collateral.PckCrl);
        }
        catch (FormatException ex)
        {
            return Fail(VerificationCheck.CollateralFormat, "pck_crl", $"PCK CRL does not decode: {ex.Message}");
        }

        // Issuer chains.
        var chains = new (string Pem, string Name, VerificationCheck Check)[]
        {
            (collateral.TcbInfoIssuerChain, "tcb_info_issuer_chain", VerificationCheck.TcbInfoIssuerChain),
            (collateral.QeIdentityIssuerChain, "qe_identity_issuer_chain", VerificationCheck.QeIdentityIssuerChain),
            (collateral.PckCrlIssuerChain, "pck_crl_issuer_chain", VerificationCheck.PckCrl),
        };
        var verified = new ParsedCertificate[3][];
        TrustedRoot? root = null;
        for (var i = 0; i < chains.Length; i++)
        {
            var (pem, name, check) = chains[i];
            List<byte[]> ders;
            try
            {
                ders = Pem.SplitCertificates(pem);
            }
            catch (FormatException ex)
            {
                return Fail(VerificationCheck.CollateralFormat, name, $"{name} is not PEM: {ex.Message}");
            }

            var failure = CertificateChains.Parse(ders, check, name, out var certs);
            if (failure is not null)
            {
                return new PreparedCollateral { Failure = failure };
            }

            failure = CertificateChains.Verify(certs, roots, check, name, out verified[i], out var chainRoot);
            if (failure is not null)
            {
                return new PreparedCollateral { Failure = failure };
            }

            if (root is not null && !root.SameKey(chainRoot!))
            {
                return Fail(VerificationCheck.TrustedRoot, name, $"{name} ends at {chainRoot!.Certificate.DisplayName}, the other collateral chains at {root.Certificate.DisplayName}");
            }

            root = chainRoot!;
        }

        // CRL signatures.
        if (!rootCrl.IsIssuedBy(root!.Certificate))
        {
            return Fail(VerificationCheck.RootCaCrl, "root_ca_crl", $"root CA CRL (issuer '{rootCrl.IssuerName}') is not signed by the pinned root {root.Certificate.DisplayName}");
        }

        var pckCa = verified[2][0];
        if (!pckCrl.IsIssuedBy(pckCa))
        {
            return Fail(VerificationCheck.PckCrl, "pck_crl", $"PCK CRL (issuer '{pckCrl.IssuerName}') is not signed by {pckCa.DisplayName} from pck_crl_issuer_chain");
        }

        if (rootCrl.NextUpdate is null || pckCrl.NextUpdate is null)
        {
            return Fail(rootCrl.NextUpdate is null ? VerificationCheck.RootCaCrl : VerificationCheck.PckCrl, rootCrl.NextUpdate is null ? "root_ca_crl" : "pck_crl", "CRL has no nextUpdate");
        }

        // TCB info and QE identity signatures over the exact signed bytes.
        var tcbSigner = verified[0][0];
        if (!tcbSigner.PublicKey.VerifyRaw(Encoding.UTF8.GetBytes(collateral.TcbInfo), collateral.TcbInfoSignature))
        {
            return Fail(VerificationCheck.TcbInfoSignature, "tcb_info_signature", $"TCB info signature by {tcbSigner.DisplayName} is invalid");
        }

        var qeSigner = verified[1][0];
        if (!qeSigner.PublicKey.VerifyRaw(Encoding.UTF8.GetBytes(collateral.QeIdentity), collateral.QeIdentitySignature))
        {
            return Fail(VerificationCheck.QeIdentitySignature, "qe_identity_signature", $"QE identity signature by {qeSigner.DisplayName} is invalid");
        }

        TcbInfo tcbInfo;
        QeIdentity qeIdentity;
        try
        {
            tcbInfo = TcbInfo.FromJson(collateral.TcbInfo);
        }
        catch (JsonException ex)
        {
            return Fail(VerificationCheck.TcbInfoFormat, "tcb_info", $"TCB info does not decode: {ex.Message}");
        }

        try
        {
            qeIdentity = QeIdentity.FromJson(collateral.QeIdentity);
        }
        catch (JsonException ex)
        {
            return Fail(VerificationCheck.QeIdentityFormat, "qe_identity", $"QE identity does not decode: {ex.Message}");
        }

        var tcbFailure = PrepareTcbInfo(tcbInfo, out var fmspc, out var pceId, out var levels, out var defaultModule, out var modules);
        if (tcbFailure is not null)
        {
            return Fail(VerificationCheck.TcbInfoFormat, "tcb_info", tcbFailure);
        }

        var qeFailure = PrepareQeIdentity(qeIdentity, out var mrSigner, out var misc, out var miscMask, out var attributes, out var attributesMask, out var qeLevels);
        if (qeFailure is not null)
        {
            return Fail(VerificationCheck.QeIdentityFormat, "qe_identity", qeFailure);
        }

        var collateralCerts = verified.SelectMany(c => c).DistinctBy(c => Convert.ToHexString(c.Der)).ToArray();
        var expires = new[] { rootCrl.NextUpdate.Value, pckCrl.NextUpdate.Value, tcbInfo.NextUpdate, qeIdentity.NextUpdate }
            .Concat(collateralCerts.Select(c => c.NotAfter)).Min();

        return new PreparedCollateral
        {
            Root = root,
            RootCrl = rootCrl,
            PckCrl = pckCrl,
            TcbInfoChain = verified[0],
            QeIdentityChain = verified[1],
            PckCrlIssuerChain = verified[2],
            CollateralCertificates = collateralCerts,
            TcbInfo = tcbInfo,
            QeIdentity = qeIdentity,
            Fmspc = fmspc,
            PceId = pceId,
            PlatformLevels = levels,
            DefaultModule = defaultModule,
            ModuleIdentities = modules,
            QeMrSigner = mrSigner,
            QeMiscSelect = misc,
            QeMiscSelectMask = miscMask,
            QeAttributes = attributes,
            QeAttributesMask = attributesMask,
            QeLevels = qeLevels,
            ExpiresAt = expires,
        };
    }

    private static string? PrepareTcbInfo(
        TcbInfo info,
        out byte[] fmspc,
        out byte[] pceId,
        out PlatformLevel[] levels,
        out ModuleIdentity? defaultModule,
        out Dictionary<string, ModuleIdentity> modules)
    {
        fmspc = [];
        pceId = [];
        levels = [];
        defaultModule = null;
        modules = new Dictionary<string, ModuleIdentity>(StringComparer.OrdinalIgnoreCase);
        if (info.Id != "TDX" || info.Version != 3)
        {
            return $"TCB info id '{info.Id}' version {info.Version} is not TDX TCB info version 3";
        }

        if (!TryHex(info.Fmspc, 6, out fmspc) || !TryHex(info.PceId, 2, out pceId))
        {
            return "TCB info fmspc/pceId are not 6/2-byte hex";
        }

        if (info.TcbLevels.Count == 0)
        {
            return "TCB info has no TCB levels";
        }

        var list = new List<PlatformLevel>(info.TcbLevels.Count);
        foreach (var level in info.TcbLevels)
        {
            if (level.Tcb.SgxTcbComponents.Count != 16 || level.Tcb.TdxTcbComponents is not { Count: 16 })
            {
                return "TCB level without 16 SGX and 16 TDX TCB components";
            }

            if (level.Tcb.SgxTcbComponents.Concat(level.Tcb.TdxTcbComponents).Any(c => c.Svn is < 0 or > 255) || level.Tcb.PceSvn is < 0 or > 0xFFFF)
            {
                return "TCB level SVN out of range";
            }

            list.Add(new PlatformLevel(
                level.Tcb.SgxTcbComponents.Select(c => (byte)c.Svn).ToArray(),
                level.Tcb.PceSvn,
                level.Tcb.TdxTcbComponents.Select(c => (byte)c.Svn).ToArray(),
                level.TcbStatus,
                level.TcbDate,
                level.AdvisoryIds ?? []));
        }

        levels = [.. list];
        if (info.TdxModule is { } module)
        {
            var m = PrepareModule("tdxModule", module.MrSigner, module.Attributes, module.AttributesMask, null);
            if (m is null)
            {
                return "tdxModule fields are not 48/8/8-byte hex";
            }

            defaultModule = m;
        }

        foreach (var identity in info.TdxModuleIdentities ?? [])
        {
            var m = PrepareModule(identity.Id, identity.MrSigner, identity.Attributes, identity.AttributesMask, identity.TcbLevels);
            if (m is null)
            {
                return $"TDX module identity {identity.Id} fields are invalid";
            }

            modules[identity.Id] = m;
        }

        return null;
    }

    private static ModuleIdentity? PrepareModule(string id, string mrSigner, string attributes, string mask, IReadOnlyList<EnclaveTcbLevel>? tcbLevels)
    {
        if (!TryHex(mrSigner, 48, out var signer) || !TryHex(attributes, 8, out var attr) || !TryHex(mask, 8, out var attrMask))
        {
            return null;
        }

        var levels = tcbLevels?.Select(l => new SvnLevel(l.Tcb.IsvSvn, l.TcbStatus, l.TcbDate, l.AdvisoryIds ?? [])).ToArray();
        return new ModuleIdentity(id, signer, attr, attrMask, levels);
    }

    private static string? PrepareQeIdentity(
        QeIdentity identity,
        out byte[] mrSigner,
        out uint misc,
        out uint miscMask,
        out byte[] attributes,
        out byte[] attributesMask,
        out SvnLevel[] levels)
    {
        misc = miscMask = 0;
        attributes = attributesMask = [];
        levels = [];
        mrSigner = [];
        if (identity.Id != "TD_QE" || identity.Version != 2)
        {
            return $"QE identity id '{identity.Id}' version {identity.Version} is not TD_QE version 2";
        }

        if (!TryHex(identity.MrSigner, 32, out mrSigner) || !TryHex(identity.MiscSelect, 4, out var miscBytes) || !TryHex(identity.MiscSelectMask, 4, out var miscMaskBytes)
            || !TryHex(identity.Attributes, 16, out attributes) || !TryHex(identity.AttributesMask, 16, out attributesMask))
        {
            return "QE identity mrsigner/miscselect/attributes are not hex of the right size";
        }

        if (identity.TcbLevels.Count == 0 || identity.IsvProdId is < 0 or > 0xFFFF)
        {
            return "QE identity has no TCB levels or an invalid isvprodid";
        }

        // MISCSELECT is a big-endian hex string of the little-endian 32-bit value in the report.
        misc = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(miscBytes);
        miscMask = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(miscMaskBytes);
        levels = identity.TcbLevels.Select(l => new SvnLevel(l.Tcb.IsvSvn, l.TcbStatus, l.TcbDate, l.AdvisoryIds ?? [])).ToArray();
        return null;
    }

    private static bool TryHex(string text, int length, out byte[] bytes)
    {
        bytes = [];
        if (text.Length != length * 2)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

internal sealed record PlatformLevel(byte[] SgxComponents, int PceSvn, byte[] TdxComponents, TcbStatus Status, DateTimeOffset TcbDate, IReadOnlyList<string> AdvisoryIds);

internal sealed record SvnLevel(int IsvSvn, TcbStatus Status, DateTimeOffset TcbDate, IReadOnlyList<string> AdvisoryIds);

internal sealed record ModuleIdentity(string Id, byte[] MrSigner, byte[] Attributes, byte[] AttributesMask, SvnLevel[]? Levels);
