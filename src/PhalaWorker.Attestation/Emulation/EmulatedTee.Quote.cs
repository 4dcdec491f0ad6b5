using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PhalaWorker.Attestation.Emulation;

public sealed partial class EmulatedTee
{
    /// <summary>Intel's QE vendor id (939A7233-F79C-4CA9-940A-0DB3957F0607), as real quotes carry it.</summary>
    internal static readonly byte[] IntelQeVendorId = Convert.FromHexString("939A7233F79C4CA9940A0DB3957F0607");

    internal const int HeaderLength = 48;
    internal const int TdReportBodyLength = 584;
    internal const int QeReportLength = 384;

    private static readonly byte[] QeAuthData = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    // The QE report depends only on the attestation key, so it is signed once per TEE (halves the cost of a quote).
    private Lazy<(byte[] Report, byte[] Signature)> _qeReport = null!;

    private void InitializeQeReport() => _qeReport = new(() =>
    {
        var report = QeReport(_attestationKey.PublicKeyRaw);
        return (report, _pckKey.SignRaw(report));
    });

    /// <summary>
    /// Issues a TDX quote v4 (ECDSA-P256 attestation key, certification data type 6 wrapping a QE report and a type 5 PEM chain)
    /// whose TD report carries <paramref name="reportData64"/> and <paramref name="measurements"/>.
    /// </summary>
    public byte[] CreateQuote(ReadOnlySpan<byte> reportData64, EmulatedTdMeasurements? measurements = null)
    {
        if (reportData64.Length != 64)
        {
            throw new ArgumentException("report_data must be 64 bytes.", nameof(reportData64));
        }

        measurements ??= EmulatedTdMeasurements.Default;
        measurements.Validate();

        var attestationKey = _attestationKey.PublicKeyRaw;
        var (qeReport, qeReportSignature) = _qeReport.Value;

        var certDataLength = QeReportLength + 64 + 2 + QeAuthData.Length + 2 + 4 + _pemChainWithNul.Length;
        var signatureDataLength = 64 + 64 + 2 + 4 + certDataLength;
        var quote = new byte[HeaderLength + TdReportBodyLength + 4 + signatureDataLength];
        var span = quote.AsSpan();

        // Header.
        BinaryPrimitives.WriteUInt16LittleEndian(span, 4);          // version
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], 2);     // attestation key type: ECDSA-256-with-P-256
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], 0x81);  // TEE type: TDX
        // [8..10) reserved / QE SVN, [10..12) PCE SVN: zero as in real v4 quotes.
        IntelQeVendorId.CopyTo(span[12..]);
        SHA256.HashData(attestationKey).AsSpan(0, 16).CopyTo(span[28..]); // user data: QE-defined; 16 bytes id + 4 zero

        // TD report body.
        var body = span.Slice(HeaderLength, TdReportBodyLength);
        var offset = 0;
        Put(body, ref offset, Platform.TeeTcbSvn);
        Put(body, ref offset, Platform.MrSeam);
        offset += 48;                                // MRSIGNERSEAM: zero for Intel's TDX module
        offset += 8;                                 // SEAMATTRIBUTES: zero
        Put(body, ref offset, measurements.TdAttributes);
        Put(body, ref offset, measurements.Xfam);
        Put(body, ref offset, measurements.Mrtd);
        Put(body, ref offset, measurements.MrConfigId);
        Put(body, ref offset, measurements.MrOwner);
        Put(body, ref offset, measurements.MrOwnerConfig);
        foreach (var rtmr in measurements.Rtmrs)
        {
            Put(body, ref offset, rtmr);
        }

        Put(body, ref offset, reportData64);

        // Signature data.
        var signed = span[..(HeaderLength + TdReportBodyLength)];
        var cursor = HeaderLength + TdReportBodyLength;
        BinaryPrimitives.WriteUInt32LittleEndian(span[cursor..], (uint)signatureDataLength);
        cursor += 4;
        Put(span, ref cursor, _attestationKey.SignRaw(signed));
        Put(span, ref cursor, attestationKey);
        BinaryPrimitives.WriteUInt16LittleEndian(span[cursor..], 6); // certification data type 6: QE report certification data
        BinaryPrimitives.WriteUInt32LittleEndian(span[(cursor + 2)..], (uint)certDataLength);
        cursor += 6;
        Put(span, ref cursor, qeReport);
        Put(span, ref cursor, qeReportSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(span[cursor..], (ushort)QeAuthData.Length);
        cursor += 2;
        Put(span, ref cursor, QeAuthData);
        BinaryPrimitives.WriteUInt16LittleEndian(span[cursor..], 5); // certification data type 5: PCK chain, PEM
        BinaryPrimitives.WriteUInt32LittleEndian(span[(cursor + 2)..], (uint)_pemChainWithNul.Length);
        cursor += 6;
        Put(span, ref cursor, _pemChainWithNul);
        return cursor == quote.Length ? quote : throw new InvalidOperationException("Quote layout length mismatch.");
    }

    /// <summary>The QE's SGX report body; report_data = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes.</summary>
    private byte[] QeReport(ReadOnlySpan<byte> attestationKey)
    {
        var report = new byte[QeReportLength];
        var span = report.AsSpan();
        Platform.CpuSvn.CopyTo(span);                          // CPUSVN [0..16)
        // MISCSELECT [16..20) = 0, reserved [20..48)
        QeAttributes.CopyTo(span[48..]);                       // ATTRIBUTES [48..64)
        QeMrEnclave.CopyTo(span[64..]);                        // MRENCLAVE [64..96), reserved [96..128)
        QeMrSigner.CopyTo(span[128..]);                        // MRSIGNER [128..160), reserved [160..256)
        BinaryPrimitives.WriteUInt16LittleEndian(span[256..], QeIsvProdId);
        BinaryPrimitives.WriteUInt16LittleEndian(span[258..], QeIsvSvn); // reserved [260..320)
        Span<byte> hashInput = stackalloc byte[64 + 32];
        attestationKey.CopyTo(hashInput);
        QeAuthData.CopyTo(hashInput[64..]);
        SHA256.HashData(hashInput, span[320..]);               // REPORTDATA [320..384)
        return report;
    }

    private static void Put(Span<byte> destination, ref int offset, ReadOnlySpan<byte> value)
    {
        value.CopyTo(destination[offset..]);
        offset += value.Length;
    }
}
