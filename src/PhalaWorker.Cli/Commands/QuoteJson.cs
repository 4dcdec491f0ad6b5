using System.Text;
using System.Text.Json.Nodes;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Cli.Commands;

/// <summary>The decoded fields of a quote as JSON for <c>quote show</c>.</summary>
internal static class QuoteJson
{
    public static JsonObject Describe(TdxQuote quote)
    {
        var h = quote.Header;
        var b = quote.Body;
        var body = new JsonObject
        {
            ["teeTcbSvn"] = Hex(b.TeeTcbSvn),
            ["mrSeam"] = Hex(b.MrSeam),
            ["mrSignerSeam"] = Hex(b.MrSignerSeam),
            ["seamAttributes"] = Hex(b.SeamAttributes),
            ["tdAttributes"] = Hex(b.TdAttributes),
            ["debug"] = b.IsDebug,
            ["xfam"] = Hex(b.Xfam),
            ["mrTd"] = Hex(b.MrTd),
            ["mrConfigId"] = Hex(b.MrConfigId),
            ["mrOwner"] = Hex(b.MrOwner),
            ["mrOwnerConfig"] = Hex(b.MrOwnerConfig),
            ["rtmr0"] = Hex(b.Rtmr0),
            ["rtmr1"] = Hex(b.Rtmr1),
            ["rtmr2"] = Hex(b.Rtmr2),
            ["rtmr3"] = Hex(b.Rtmr3),
            ["reportData"] = Hex(b.ReportData),
        };
        if (b.IsV15)
        {
            body["teeTcbSvn2"] = Hex(b.TeeTcbSvn2!);
            body["mrServiceTd"] = Hex(b.MrServiceTd!);
        }

        return new JsonObject
        {
            ["version"] = h.Version,
            ["header"] = new JsonObject
            {
                ["attestationKeyType"] = h.AttestationKeyType,
                ["teeType"] = $"0x{h.TeeType:x8}",
                ["qeSvn"] = h.QeSvn,
                ["pceSvn"] = h.PceSvn,
                ["qeVendorId"] = Hex(h.QeVendorId),
                ["userData"] = Hex(h.UserData),
            },
            ["bodyType"] = quote.BodyType,
            ["body"] = body,
            ["signatureData"] = new JsonObject
            {
                ["signature"] = Hex(quote.SignatureData.Signature),
                ["attestationKey"] = Hex(quote.SignatureData.AttestationKey),
                ["certificationData"] = Describe(quote.SignatureData.CertificationData),
            },
            ["signedLength"] = quote.SignedLength,
            ["quoteLength"] = quote.QuoteLength,
            ["trailingBytes"] = quote.TrailingBytes.Length,
        };
    }

    private static JsonObject Describe(CertificationData data) => data switch
    {
        QeReportCertificationData qe => new JsonObject
        {
            ["type"] = qe.Type,
            ["qeReport"] = new JsonObject
            {
                ["cpuSvn"] = Hex(qe.QeReport.CpuSvn),
                ["miscSelect"] = qe.QeReport.MiscSelect,
                ["attributes"] = Hex(qe.QeReport.Attributes),
                ["mrEnclave"] = Hex(qe.QeReport.MrEnclave),
                ["mrSigner"] = Hex(qe.QeReport.MrSigner),
                ["isvProdId"] = qe.QeReport.IsvProdId,
                ["isvSvn"] = qe.QeReport.IsvSvn,
                ["reportData"] = Hex(qe.QeReport.ReportData),
            },
            ["qeReportSignature"] = Hex(qe.QeReportSignature),
            ["qeAuthData"] = Hex(qe.QeAuthData),
            ["inner"] = Describe(qe.Inner),
        },
        PckCertChainCertificationData pem => new JsonObject
        {
            ["type"] = pem.Type,
            ["certificates"] = CountCertificates(pem.PemChain),
            ["pem"] = Encoding.ASCII.GetString(pem.PemChain).TrimEnd('\0'),
        },
        _ => new JsonObject { ["type"] = data.Type, ["data"] = Hex(((RawCertificationData)data).Data) },
    };

    private static int CountCertificates(byte[] pem)
    {
        var text = Encoding.ASCII.GetString(pem);
        var count = 0;
        for (var i = text.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal); i >= 0; i = text.IndexOf("-----BEGIN CERTIFICATE-----", i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Hex(byte[] value) => Convert.ToHexStringLower(value);
}
