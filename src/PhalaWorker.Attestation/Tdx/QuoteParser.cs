using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace PhalaWorker.Attestation.Tdx;

/// <summary>
/// Decodes TDX quotes v4 and v5 (TD report body 1.0 and 1.5). Length fields bound the quote; bytes after the signature
/// data are kept in <see cref="TdxQuote.TrailingBytes"/>. Every malformed input throws <see cref="QuoteFormatException"/>
/// naming the field; nothing else is thrown and nothing is read outside the input span.
/// </summary>
public static class QuoteParser
{
    /// <summary>Inputs larger than this are rejected before decoding (a quote is a few KiB; padded buffers stay well below).</summary>
    public const int MaxQuoteBytes = 1 << 20;

    /// <summary>Largest accepted signature data / certification data length.</summary>
    public const int MaxSignatureDataBytes = 256 * 1024;

    public static TdxQuote Parse(ReadOnlySpan<byte> quote)
    {
        if (quote.Length > MaxQuoteBytes)
        {
            throw new QuoteFormatException("quote", $"input of {quote.Length} bytes exceeds the {MaxQuoteBytes}-byte limit");
        }

        var reader = new Reader(quote);
        var header = ReadHeader(ref reader);
        TdReportBody body;
        if (header.Version == 4)
        {
            body = ReadBody(ref reader, isV15: false);
        }
        else
        {
            var bodyTypeOffset = reader.Position;
            var bodyType = reader.U16("body.type");
            var bodySize = reader.U32("body.size");
            var expected = bodyType switch
            {
                TdxQuote.BodyTypeTdReport10 => TdReportBody.SizeV10,
                TdxQuote.BodyTypeTdReport15 => TdReportBody.SizeV15,
                TdxQuote.BodyTypeSgxEnclave => throw new QuoteFormatException("body.type", "SGX enclave report bodies are not TDX quotes", bodyTypeOffset),
                _ => throw new QuoteFormatException("body.type", $"unknown body type {bodyType}", bodyTypeOffset),
            };
            if (bodySize != expected)
            {
                throw new QuoteFormatException("body.size", $"body type {bodyType} needs size {expected}, got {bodySize}", bodyTypeOffset + 2);
            }

            body = ReadBody(ref reader, bodyType == TdxQuote.BodyTypeTdReport15);
        }

        var sigLenOffset = reader.Position;
        var sigLen = reader.U32("signatureData.length");
        if (sigLen > MaxSignatureDataBytes)
        {
            throw new QuoteFormatException("signatureData.length", $"{sigLen} exceeds the {MaxSignatureDataBytes}-byte limit", sigLenOffset);
        }

        if (sigLen > (uint)reader.Remaining)
        {
            throw new QuoteFormatException("signatureData.length", $"claims {sigLen} bytes but only {reader.Remaining} remain (truncated)", sigLenOffset);
        }

        var sigStart = reader.Position;
        var sigReader = new Reader(quote.Slice(sigStart, (int)sigLen), sigStart);
        var signature = sigReader.Bytes("signatureData.signature", 64);
        var attestationKey = sigReader.Bytes("signatureData.attestationKey", 64);
        var cert = ReadCertificationData(ref sigReader, "signatureData.certificationData");
        if (sigReader.Remaining != 0)
        {
            throw new QuoteFormatException("signatureData.length", $"{sigReader.Remaining} bytes of signature data are not covered by the certification data", sigReader.Position);
        }

        var trailing = quote[(sigStart + (int)sigLen)..].ToArray();
        return new TdxQuote
        {
            Header = header,
            Body = body,
            SignatureData = new QuoteSignatureData(signature, attestationKey, cert),
            TrailingBytes = trailing,
        };
    }

    public static bool TryParse(ReadOnlySpan<byte> quote, [NotNullWhen(true)] out TdxQuote? result, [NotNullWhen(false)] out QuoteFormatException? error)
    {
        try
        {
            result = Parse(quote);
            error = null;
            return true;
        }
        catch (QuoteFormatException ex)
        {
            result = null;
            error = ex;
            return false;
        }
    }

    public static bool TryParse(ReadOnlySpan<byte> quote, [NotNullWhen(true)] out TdxQuote? result) => TryParse(quote, out result, out _);

    private static QuoteHeader ReadHeader(ref Reader reader)
    {
        var version = reader.U16("header.version");
        if (version is not (4 or 5))
        {
            throw new QuoteFormatException("header.version", $"unsupported quote version {version} (4 and 5 are supported)", 0);
        }

        var keyType = reader.U16("header.attestationKeyType");
        if (keyType != QuoteHeader.AttestationKeyTypeEcdsaP256)
        {
            throw new QuoteFormatException("header.attestationKeyType", $"unsupported attestation key type {keyType} (2 = ECDSA P-256)", 2);
        }

        var teeType = reader.U32("header.teeType");
        if (teeType != QuoteHeader.TeeTypeTdx)
        {
            throw new QuoteFormatException("header.teeType", $"tee type 0x{teeType:x8} is not TDX (0x00000081)", 4);
        }

        return new QuoteHeader
        {
            Version = version,
            AttestationKeyType = keyType,
            TeeType = teeType,
            QeSvn = reader.U16("header.qeSvn"),
            PceSvn = reader.U16("header.pceSvn"),
            QeVendorId = reader.Bytes("header.qeVendorId", 16),
            UserData = reader.Bytes("header.userData", 20),
        };
    }

    private static TdReportBody ReadBody(ref Reader reader, bool isV15) => new()
    {
        TeeTcbSvn = reader.Bytes("body.teeTcbSvn", 16),
        MrSeam = reader.Bytes("body.mrSeam", 48),
        MrSignerSeam = reader.Bytes("body.mrSignerSeam", 48),
        SeamAttributes = reader.Bytes("body.seamAttributes", 8),
        TdAttributes = reader.Bytes("body.tdAttributes", 8),
        Xfam = reader.Bytes("body.xfam", 8),
        MrTd = reader.Bytes("body.mrTd", 48),
        MrConfigId = reader.Bytes("body.mrConfigId", 48),
        MrOwner = reader.Bytes("body.mrOwner", 48),
        MrOwnerConfig = reader.Bytes("body.mrOwnerConfig", 48),
        Rtmr0 = reader.Bytes("body.rtmr0", 48),
        Rtmr1 = reader.Bytes("body.rtmr1", 48),
        Rtmr2 = reader.Bytes("body.rtmr2", 48),
        Rtmr3 = reader.Bytes("body.rtmr3", 48),
        ReportData = reader.Bytes("body.reportData", 64),
        TeeTcbSvn2 = isV15 ? reader.Bytes("body.teeTcbSvn2", 16) : null,
        MrServiceTd = isV15 ? reader.Bytes("body.mrServiceTd", 48) : null,
    };

    private static CertificationData ReadCertificationData(ref Reader reader, string field)
    {
        var typeOffset = reader.Position;
        var type = reader.U16(field + ".type");
        var sizeOffset = reader.Position;
        var size = reader.U32(field + ".size");
        if (size > (uint)reader.Remaining)
        {
            throw new QuoteFormatException(field + ".size", $"claims {size} bytes but only {reader.Remaining} remain", sizeOffset);
        }

        var dataStart = reader.Position;
        var inner = new Reader(reader.Slice((int)size), dataStart);
        CertificationData result;
        switch (type)
        {
            case CertificationData.TypePckCertChain:
                result = new PckCertChainCertificationData(inner.Bytes(field + ".pemChain", (int)size));
                break;
            case CertificationData.TypeQeReport:
                var qeReport = ReadSgxReport(ref inner, field + ".qeReport");
                var qeSig = inner.Bytes(field + ".qeReportSignature", 64);
                var authSize = inner.U16(field + ".qeAuthData.size");
                var auth = inner.Bytes(field + ".qeAuthData", authSize);
                var nested = ReadCertificationData(ref inner, field + ".inner");
                if (nested is QeReportCertificationData)
                {
                    throw new QuoteFormatException(field + ".inner.type", "QE report certification data cannot nest another QE report certification data", inner.Origin);
                }

                if (inner.Remaining != 0)
                {
                    throw new QuoteFormatException(field + ".size", $"{inner.Remaining} bytes of QE report certification data are not covered by its fields", inner.Origin + inner.Position);
                }

                result = new QeReportCertificationData(qeReport, qeSig, auth, nested);
                break;
            default:
                if (type is 0 or > 7)
                {
                    throw new QuoteFormatException(field + ".type", $"unknown certification data type {type}", typeOffset);
                }

                result = new RawCertificationData(type, inner.Bytes(field + ".data", (int)size));
                break;
        }

        reader.Skip((int)size);
        return result;
    }

    private static SgxReportBody ReadSgxReport(ref Reader reader, string field) => new()
    {
        CpuSvn = reader.Bytes(field + ".cpuSvn", 16),
        MiscSelect = reader.U32(field + ".miscSelect"),
        Reserved1 = reader.Bytes(field + ".reserved1", 28),
        Attributes = reader.Bytes(field + ".attributes", 16),
        MrEnclave = reader.Bytes(field + ".mrEnclave", 32),
        Reserved2 = reader.Bytes(field + ".reserved2", 32),
        MrSigner = reader.Bytes(field + ".mrSigner", 32),
        Reserved3 = reader.Bytes(field + ".reserved3", 96),
        IsvProdId = reader.U16(field + ".isvProdId"),
        IsvSvn = reader.U16(field + ".isvSvn"),
        Reserved4 = reader.Bytes(field + ".reserved4", 60),
        ReportData = reader.Bytes(field + ".reportData", 64),
    };

    /// <summary>Bounds-checked little-endian cursor; <see cref="Origin"/> is the absolute offset of the span for error messages.</summary>
    private ref struct Reader(ReadOnlySpan<byte> span, int origin = 0)
    {
        private readonly ReadOnlySpan<byte> _span = span;

        public int Position { get; private set; }

        public readonly int Origin => origin;

        public readonly int Remaining => _span.Length - Position;

        public ushort U16(string field)
        {
            Ensure(field, 2);
            var value = BinaryPrimitives.ReadUInt16LittleEndian(_span[Position..]);
            Position += 2;
            return value;
        }

        public uint U32(string field)
        {
            Ensure(field, 4);
            var value = BinaryPrimitives.ReadUInt32LittleEndian(_span[Position..]);
            Position += 4;
            return value;
        }

        public byte[] Bytes(string field, int count)
        {
            Ensure(field, count);
            var value = _span.Slice(Position, count).ToArray();
            Position += count;
            return value;
        }

        public readonly ReadOnlySpan<byte> Slice(int count) => _span.Slice(Position, count);

        public void Skip(int count) => Position += count;

        private readonly void Ensure(string field, int count)
        {
            if (count > Remaining)
            {
                throw new QuoteFormatException(field, $"needs {count} bytes but only {Remaining} remain (truncated)", origin + Position);
            }
        }
    }
}
