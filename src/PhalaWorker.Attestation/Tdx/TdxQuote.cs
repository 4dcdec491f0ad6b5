namespace PhalaWorker.Attestation.Tdx;

/// <summary>
/// A parsed TDX quote (v4 or v5). <see cref="QuoteWriter"/> writes it back byte-exactly, including <see cref="TrailingBytes"/>
/// (the padding real quote buffers carry after the signature data).
/// </summary>
public sealed record TdxQuote
{
    /// <summary>v5 body type of an SGX enclave report (not a TD; not supported here).</summary>
    public const ushort BodyTypeSgxEnclave = 2;

    /// <summary>v5 body type of a TD report 1.0.</summary>
    public const ushort BodyTypeTdReport10 = 3;

    /// <summary>v5 body type of a TD report 1.5.</summary>
    public const ushort BodyTypeTdReport15 = 4;

    public required QuoteHeader Header { get; init; }

    public required TdReportBody Body { get; init; }

    public required QuoteSignatureData SignatureData { get; init; }

    /// <summary>Bytes after the signature data (usually zero padding). Empty when none.</summary>
    public byte[] TrailingBytes { get; init; } = [];

    public ushort Version => Header.Version;

    /// <summary>The v5 body type (3 or 4); for v4 the implied type 3.</summary>
    public ushort BodyType => Body.IsV15 ? BodyTypeTdReport15 : BodyTypeTdReport10;

    /// <summary>Length of the signed region (header ‖ [v5 type ‖ size] ‖ body).</summary>
    public int SignedLength => QuoteHeader.Size + (Version >= 5 ? 6 : 0) + Body.Size;

    /// <summary>Bytes the quote itself occupies (without <see cref="TrailingBytes"/>).</summary>
    public int QuoteLength => QuoteWriter.GetQuoteLength(this);
}
