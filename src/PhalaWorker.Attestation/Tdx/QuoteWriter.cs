using System.Buffers;
using System.Buffers.Binary;

namespace PhalaWorker.Attestation.Tdx;

/// <summary>
/// Encodes a <see cref="TdxQuote"/> byte-exactly (length fields are computed from the contents, so a parsed quote
/// round-trips to the same bytes). Field sizes are validated; a wrong-sized field throws <see cref="ArgumentException"/>.
/// </summary>
public static class QuoteWriter
{
    public static byte[] Write(TdxQuote quote)
    {
        ArgumentNullException.ThrowIfNull(quote);
        var buffer = new byte[GetQuoteLength(quote) + quote.TrailingBytes.Length];
        var written = Write(quote, buffer);
        return written == buffer.Length ? buffer : throw new InvalidOperationException("quote length mismatch");
    }

    public static void Write(TdxQuote quote, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(quote);
        ArgumentNullException.ThrowIfNull(output);
        var length = GetQuoteLength(quote) + quote.TrailingBytes.Length;
        var span = output.GetSpan(length);
        output.Advance(Write(quote, span));
    }

    /// <summary>Writes the quote into <paramref name="destination"/> and returns the number of bytes written.</summary>
    public static int Write(TdxQuote quote, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(quote);
        var w = new Writer(destination);
        WriteSigned(quote, ref w);
        var sig = quote.SignatureData;
        w.U32((uint)GetSignatureDataLength(sig));
        w.Bytes(sig.Signature, 64, "signatureData.signature");
        w.Bytes(sig.AttestationKey, 64, "signatureData.attestationKey");
        WriteCertificationData(sig.CertificationData, ref w);
        w.Bytes(quote.TrailingBytes, quote.TrailingBytes.Length, "trailingBytes");
        return w.Position;
    }

    /// <summary>The signed region (header ‖ [v5 body type ‖ size] ‖ body) that the attestation key signs.</summary>
    public static byte[] WriteSignedRegion(TdxQuote quote)
    {
        ArgumentNullException.ThrowIfNull(quote);
        var buffer = new byte[quote.SignedLength];
        var w = new Writer(buffer);
        WriteSigned(quote, ref w);
        return buffer;
    }

    /// <summary>The 384-byte encoding of an SGX report body (what the PCK key signs for the QE report).</summary>
    public static byte[] WriteSgxReportBody(SgxReportBody report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var buffer = new byte[SgxReportBody.Size];
        var w = new Writer(buffer);
        WriteSgxReport(report, ref w);
        return buffer;
    }

    public static int GetQuoteLength(TdxQuote quote)
    {
        ArgumentNullException.ThrowIfNull(quote);
        return quote.SignedLength + 4 + GetSignatureDataLength(quote.SignatureData);
    }

    private static int GetSignatureDataLength(QuoteSignatureData sig) => 64 + 64 + 6 + GetCertificationDataLength(sig.CertificationData);

    private static int GetCertificationDataLength(CertificationData cert) => cert switch
    {
        PckCertChainCertificationData pem => pem.PemChain.Length,
        QeReportCertificationData qe => SgxReportBody.Size + 64 + 2 + qe.QeAuthData.Length + 6 + GetCertificationDataLength(qe.Inner),
        RawCertificationData raw => raw.Data.Length,
        _ => throw new ArgumentException($"unknown certification data {cert.GetType().Name}", nameof(cert)),
    };

    private static void WriteSigned(TdxQuote quote, ref Writer w)
    {
        var h = quote.Header;
        if (h.Version is not (4 or 5))
        {
            throw new ArgumentException($"quote version {h.Version} cannot be written", nameof(quote));
        }

        if (h.Version == 4 && quote.Body.IsV15)
        {
            throw new ArgumentException("a v4 quote carries a TD report 1.0 body", nameof(quote));
        }

        if ((quote.Body.TeeTcbSvn2 is null) != (quote.Body.MrServiceTd is null))
        {
            throw new ArgumentException("TD report 1.5 needs both TeeTcbSvn2 and MrServiceTd", nameof(quote));
        }

        w.U16(h.Version);
        w.U16(h.AttestationKeyType);
        w.U32(h.TeeType);
        w.U16(h.QeSvn);
        w.U16(h.PceSvn);
        w.Bytes(h.QeVendorId, 16, "header.qeVendorId");
        w.Bytes(h.UserData, 20, "header.userData");
        if (h.Version >= 5)
        {
            w.U16(quote.BodyType);
            w.U32((uint)quote.Body.Size);
        }

        var b = quote.Body;
        w.Bytes(b.TeeTcbSvn, 16, "body.teeTcbSvn");
        w.Bytes(b.MrSeam, 48, "body.mrSeam");
        w.Bytes(b.MrSignerSeam, 48, "body.mrSignerSeam");
        w.Bytes(b.SeamAttributes, 8, "body.seamAttributes");
        w.Bytes(b.TdAttributes, 8, "body.tdAttributes");
        w.Bytes(b.Xfam, 8, "body.xfam");
        w.Bytes(b.MrTd, 48, "body.mrTd");
        w.Bytes(b.MrConfigId, 48, "body.mrConfigId");
        w.Bytes(b.MrOwner, 48, "body.mrOwner");
        w.Bytes(b.MrOwnerConfig, 48, "body.mrOwnerConfig");
        w.Bytes(b.Rtmr0, 48, "body.rtmr0");
        w.Bytes(b.Rtmr1, 48, "body.rtmr1");
        w.Bytes(b.Rtmr2, 48, "body.rtmr2");
        w.Bytes(b.Rtmr3, 48, "body.rtmr3");
        w.Bytes(b.ReportData, 64, "body.reportData");
        if (b.IsV15)
        {
            w.Bytes(b.TeeTcbSvn2!, 16, "body.teeTcbSvn2");
            w.Bytes(b.MrServiceTd!, 48, "body.mrServiceTd");
        }
    }

    private static void WriteCertificationData(CertificationData cert, ref Writer w)
    {
        w.U16(cert.Type);
        w.U32((uint)GetCertificationDataLength(cert));
        switch (cert)
        {
            case PckCertChainCertificationData pem:
                w.Bytes(pem.PemChain, pem.PemChain.Length, "certificationData.pemChain");
                break;
            case QeReportCertificationData qe:
                WriteSgxReport(qe.QeReport, ref w);
                w.Bytes(qe.QeReportSignature, 64, "certificationData.qeReportSignature");
                if (qe.QeAuthData.Length > ushort.MaxValue)
                {
                    throw new ArgumentException("QE auth data longer than 65535 bytes", nameof(cert));
                }

                w.U16((ushort)qe.QeAuthData.Length);
                w.Bytes(qe.QeAuthData, qe.QeAuthData.Length, "certificationData.qeAuthData");
                WriteCertificationData(qe.Inner, ref w);
                break;
            case RawCertificationData raw:
                w.Bytes(raw.Data, raw.Data.Length, "certificationData.data");
                break;
        }
    }

    private static void WriteSgxReport(SgxReportBody r, ref Writer w)
    {
        w.Bytes(r.CpuSvn, 16, "qeReport.cpuSvn");
        w.U32(r.MiscSelect);
        w.Bytes(r.Reserved1, 28, "qeReport.reserved1");
        w.Bytes(r.Attributes, 16, "qeReport.attributes");
        w.Bytes(r.MrEnclave, 32, "qeReport.mrEnclave");
        w.Bytes(r.Reserved2, 32, "qeReport.reserved2");
        w.Bytes(r.MrSigner, 32, "qeReport.mrSigner");
        w.Bytes(r.Reserved3, 96, "qeReport.reserved3");
        w.U16(r.IsvProdId);
        w.U16(r.IsvSvn);
        w.Bytes(r.Reserved4, 60, "qeReport.reserved4");
        w.Bytes(r.ReportData, 64, "qeReport.reportData");
    }

    private ref struct Writer(Span<byte> span)
    {
        private readonly Span<byte> _span = span;

        public int Position { get; private set; }

        public void U16(ushort value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(_span[Position..], value);
            Position += 2;
        }

        public void U32(uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_span[Position..], value);
            Position += 4;
        }

        public void Bytes(byte[] value, int expectedLength, string field)
        {
            ArgumentNullException.ThrowIfNull(value, field);
            if (value.Length != expectedLength)
            {
                throw new ArgumentException($"{field} must be {expectedLength} bytes, got {value.Length}", field);
            }

            value.CopyTo(_span[Position..]);
            Position += value.Length;
        }
    }
}
