namespace PhalaWorker.Attestation.Tdx;

/// <summary>
/// A parsed TDX quote (v4 or v5). <see cref="QuoteWriter"/> writes it back byte-exactly, including <see cref="TrailingBytes"/>
/// (the padding real quote buffers carry after the signature data).
/// </summary>
public sealed record TdxQuote
{
    // Intel's quote format (DCAP QuoteVerification QuoteConstants, "Quote v5 body type"): 1 = SGX enclave report (384 bytes),
    // 2 = TD report 1.0 (584 bytes), 3 = TD report 1.5 (648 bytes). An earlier version of this file used 2/3/4, which refused
    // every real TDX 1.5 quote (body type 3, size 648) as malformed; tests/testdata/attestation/tdx_quote_v5_td15.bin is one.

    /// <summary>v5 body type of an SGX enclave report (not a TD; not supported here).</summary>
    public const ushort BodyTypeSgxEnclave = 1;

    /// <summary>v5 body type of a TD report 1.0 (584 bytes).</summary>
    public const ushort BodyTypeTdReport10 = 2;

    /// <summary>v5 body type of a TD report 1.5 (648 bytes).</summary>
    public const ushort BodyTypeTdReport15 = 3;

    public required QuoteHeader Header { get; init; }

    public required TdReportBody Body { get; init; }

    public required QuoteSignatureData SignatureData { get; init; }

    /// <summary>Bytes after the signature data (usually zero padding). Empty when none.</summary>
    public byte[] TrailingBytes { get; init; } = [];

    public ushort Version => Header.Version;

    /// <summary>The v5 body type (2 or 3); for v4 the implied type 2 (TD report 1.0).</summary>
    public ushort BodyType => Body.IsV15 ? BodyTypeTdReport15 : BodyTypeTdReport10;

    /// <summary>Length of the signed region (header ‖ [v5 type ‖ size] ‖ body).</summary>
    public int SignedLength => QuoteHeader.Size + (Version >= 5 ? 6 : 0) + Body.Size;

    /// <summary>Bytes the quote itself occupies (without <see cref="TrailingBytes"/>).</summary>
    public int QuoteLength => QuoteWriter.GetQuoteLength(this);
}
