using System.Globalization;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace PhalaWorker.Attestation.Emulation;

public sealed partial class EmulatedTee
{
    // QE identity values of Intel's TD quoting enclave, so the emulated QE report has the same shape as a real one.
    internal static readonly byte[] QeMrSigner = Convert.FromHexString("DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5");
    internal static readonly byte[] QeMrEnclave = Convert.FromHexString("E5A3A7B5D830C2953B98534C6C59A3A34FDC34E933F7F5898F0A85CF08846BCA");
    internal static readonly byte[] QeAttributes = Convert.FromHexString("1500000000000000E700000000000000");
    internal const ushort QeIsvProdId = 2;
    internal const ushort QeIsvSvn = 6;

    private static readonly (int Svn, string? Category, string? Type)[] SgxComponentTemplate =
    [
        (2, "BIOS", "Early Microcode Update"), (2, "OS/VMM", "SGX Late Microcode Update"), (2, "OS/VMM", "TXT SINIT"), (2, "BIOS", null),
        (3, "BIOS", null), (1, "BIOS", null), (0, null, null), (5, "OS/VMM", "SEAMLDR ACM"),
        (0, null, null), (0, null, null), (0, null, null), (0, null, null), (0, null, null), (0, null, null), (0, null, null), (0, null, null),
    ];

    private static readonly (int Svn, string? Category, string? Type)[] TdxComponentTemplate =
    [
        (5, "OS/VMM", "TDX Module"), (0, "OS/VMM", "TDX Module"), (2, "OS/VMM", "TDX Late Microcode Update"),
        (0, null, null), (0, null, null), (0, null, null), (0, null, null), (0, null, null), (0, null, null), (0, null, null),
        (0, null, null), (0, null, null), (0, null, null), (0, null, null), (0, null, null), (0, null, null),
    ];

    /// <summary>
    /// Generates collateral issued at <paramref name="issuedAt"/> and valid for <paramref name="validity"/>
    /// (default <see cref="DefaultCollateralValidity"/>). Deterministic for a seeded TEE.
    /// </summary>
    public EmulatedCollateral CreateCollateral(DateTimeOffset issuedAt, TimeSpan? validity = null)
    {
        issuedAt = TruncateToSeconds(issuedAt);
        var nextUpdate = issuedAt + (validity ?? DefaultCollateralValidity);
        var rootCrl = CreateCrl(_rootName, _rootKey, issuedAt, nextUpdate, revoked: null);
        var pckCrl = CreateCrl(_platformCaName, _platformCaKey, issuedAt, nextUpdate, Platform.RevokePckCertificate ? PckSerialNumber : null);
        var tcbInfo = TcbInfoJson(issuedAt, nextUpdate);
        var tcbInfoSignature = _tcbSigningKey.SignRaw(Encoding.UTF8.GetBytes(tcbInfo));
        var qeIdentity = QeIdentityJson(issuedAt, nextUpdate);
        var qeIdentitySignature = _tcbSigningKey.SignRaw(Encoding.UTF8.GetBytes(qeIdentity));

        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("pck_crl_issuer_chain", PckChain.PckCrlIssuerChainPem);
            writer.WriteString("root_ca_crl", Convert.ToHexStringLower(rootCrl));
            writer.WriteString("pck_crl", Convert.ToHexStringLower(pckCrl));
            writer.WriteString("tcb_info_issuer_chain", PckChain.TcbSigningChainPem);
            writer.WriteString("tcb_info", tcbInfo);
            writer.WriteString("tcb_info_signature", Convert.ToHexStringLower(tcbInfoSignature));
            writer.WriteString("qe_identity_issuer_chain", PckChain.TcbSigningChainPem);
            writer.WriteString("qe_identity", qeIdentity);
            writer.WriteString("qe_identity_signature", Convert.ToHexStringLower(qeIdentitySignature));
            writer.WriteEndObject();
        }

        return new EmulatedCollateral(
            Encoding.UTF8.GetString(buffer.ToArray()), issuedAt, nextUpdate, tcbInfo, tcbInfoSignature, qeIdentity, qeIdentitySignature, rootCrl, pckCrl);
    }

    private static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static byte[] CreateCrl(X509Name issuer, EmulatedKey issuerKey, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, BigInteger? revoked)
    {
        var generator = new X509V2CrlGenerator();
        generator.SetIssuerDN(issuer);
        generator.SetThisUpdate(thisUpdate.UtcDateTime);
        generator.SetNextUpdate(nextUpdate.UtcDateTime);
        if (revoked is not null)
        {
            generator.AddCrlEntry(revoked, thisUpdate.UtcDateTime, CrlReason.KeyCompromise);
        }

        generator.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.One));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(KeyId(issuerKey)));
        return generator.Generate(issuerKey.SignatureFactory).GetEncoded();
    }

    private string TcbInfoJson(DateTimeOffset issuedAt, DateTimeOffset nextUpdate)
    {
        // Same keys, order and compact form as Intel's TDX TCB info v3; the signature covers these exact bytes.
        return WriteJson(w =>
        {
            w.WriteString("id", "TDX");
            w.WriteNumber("version", 3);
            w.WriteString("issueDate", Time(issuedAt));
            w.WriteString("nextUpdate", Time(nextUpdate));
            w.WriteString("fmspc", Convert.ToHexString(Platform.Fmspc));
            w.WriteString("pceId", Convert.ToHexString(Platform.PceId));
            w.WriteNumber("tcbType", 0);
            w.WriteNumber("tcbEvaluationDataNumber", 17);
            w.WriteStartObject("tdxModule");
            WriteModuleIdentity(w);
            w.WriteEndObject();
            w.WriteStartArray("tdxModuleIdentities");
            WriteModule(w, "TDX_03", [(3, "UpToDate")]);
            WriteModule(w, "TDX_01", [(4, "UpToDate"), (2, "OutOfDate")]);
            w.WriteEndArray();
            w.WriteStartArray("tcbLevels");
            WriteTcbLevel(w, 11, "2024-03-13T00:00:00Z", "UpToDate", advisories: []);
            WriteTcbLevel(w, 5, "2018-01-04T00:00:00Z", "OutOfDate", advisories: ["INTEL-SA-00106", "INTEL-SA-00115", "INTEL-SA-00837"]);
            w.WriteEndArray();
        });

        static void WriteModuleIdentity(Utf8JsonWriter w)
        {
            w.WriteString("mrsigner", new string('0', 96));
            w.WriteString("attributes", "0000000000000000");
            w.WriteString("attributesMask", "FFFFFFFFFFFFFFFF");
        }

        static void WriteModule(Utf8JsonWriter w, string id, (int IsvSvn, string Status)[] levels)
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            WriteModuleIdentity(w);
            w.WriteStartArray("tcbLevels");
            foreach (var (isvSvn, status) in levels)
            {
                w.WriteStartObject();
                w.WriteStartObject("tcb");
                w.WriteNumber("isvsvn", isvSvn);
                w.WriteEndObject();
                w.WriteString("tcbDate", status == "UpToDate" ? "2024-03-13T00:00:00Z" : "2023-08-09T00:00:00Z");
                w.WriteString("tcbStatus", status);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        static void WriteTcbLevel(Utf8JsonWriter w, int pceSvn, string date, string status, string[] advisories)
        {
            w.WriteStartObject();
            w.WriteStartObject("tcb");
            WriteComponents(w, "sgxtcbcomponents", SgxComponentTemplate);
            w.WriteNumber("pcesvn", pceSvn);
            WriteComponents(w, "tdxtcbcomponents", TdxComponentTemplate);
            w.WriteEndObject();
            w.WriteString("tcbDate", date);
            w.WriteString("tcbStatus", status);
            if (advisories.Length > 0)
            {
                w.WriteStartArray("advisoryIDs");
                foreach (var advisory in advisories)
                {
                    w.WriteStringValue(advisory);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        static void WriteComponents(Utf8JsonWriter w, string name, (int Svn, string? Category, string? Type)[] components)
        {
            w.WriteStartArray(name);
            foreach (var (svn, category, type) in components)
            {
                w.WriteStartObject();
                w.WriteNumber("svn", svn);
                if (category is not null)
                {
                    w.WriteString("category", category);
                }

                if (type is not null)
                {
                    w.WriteString("type", type);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }
    }

    private static string QeIdentityJson(DateTimeOffset issuedAt, DateTimeOffset nextUpdate) => WriteJson(w =>
    {
        w.WriteString("id", "TD_QE");
        w.WriteNumber("version", 2);
        w.WriteString("issueDate", Time(issuedAt));
        w.WriteString("nextUpdate", Time(nextUpdate));
        w.WriteNumber("tcbEvaluationDataNumber", 17);
        w.WriteString("miscselect", "00000000");
        w.WriteString("miscselectMask", "FFFFFFFF");
        w.WriteString("attributes", "11000000000000000000000000000000");
        w.WriteString("attributesMask", "FBFFFFFFFFFFFFFF0000000000000000");
        w.WriteString("mrsigner", Convert.ToHexString(QeMrSigner));
        w.WriteNumber("isvprodid", QeIsvProdId);
        w.WriteStartArray("tcbLevels");
        w.WriteStartObject();
        w.WriteStartObject("tcb");
        w.WriteNumber("isvsvn", 4);
        w.WriteEndObject();
        w.WriteString("tcbDate", "2024-03-13T00:00:00Z");
        w.WriteString("tcbStatus", "UpToDate");
        w.WriteEndObject();
        w.WriteEndArray();
    });

    private static string WriteJson(Action<Utf8JsonWriter> body)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
