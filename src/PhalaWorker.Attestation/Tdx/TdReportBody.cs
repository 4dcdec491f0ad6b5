namespace PhalaWorker.Attestation.Tdx;

/// <summary>
/// The TD report body (TD quote body): 584 bytes for version 1.0 (quote v4, v5 body type 2),
/// 648 bytes for version 1.5 (v5 body type 3, adds TEE_TCB_SVN2 and MRSERVICETD).
/// All measurement fields are little-endian byte strings exactly as in the quote.
/// </summary>
public sealed record TdReportBody
{
    public const int SizeV10 = 584;
    public const int SizeV15 = 648;

    /// <summary>TEE_TCB_SVN (16 bytes). Byte 0 is the TDX module SVN, byte 1 the module major version.</summary>
    public byte[] TeeTcbSvn { get; init; } = new byte[16];

    public byte[] MrSeam { get; init; } = new byte[48];

    public byte[] MrSignerSeam { get; init; } = new byte[48];

    public byte[] SeamAttributes { get; init; } = new byte[8];

    public byte[] TdAttributes { get; init; } = new byte[8];

    public byte[] Xfam { get; init; } = new byte[8];

    public byte[] MrTd { get; init; } = new byte[48];

    public byte[] MrConfigId { get; init; } = new byte[48];

    public byte[] MrOwner { get; init; } = new byte[48];

    public byte[] MrOwnerConfig { get; init; } = new byte[48];

    public byte[] Rtmr0 { get; init; } = new byte[48];

    public byte[] Rtmr1 { get; init; } = new byte[48];

    public byte[] Rtmr2 { get; init; } = new byte[48];

    public byte[] Rtmr3 { get; init; } = new byte[48];

    public byte[] ReportData { get; init; } = new byte[64];

    /// <summary>TEE_TCB_SVN2 (16 bytes), TD report 1.5 only; null for 1.0.</summary>
    public byte[]? TeeTcbSvn2 { get; init; }

    /// <summary>MRSERVICETD (48 bytes), TD report 1.5 only; null for 1.0.</summary>
    public byte[]? MrServiceTd { get; init; }

    /// <summary>True for the 1.5 layout (both 1.5 fields present).</summary>
    public bool IsV15 => TeeTcbSvn2 is not null && MrServiceTd is not null;

    public int Size => IsV15 ? SizeV15 : SizeV10;

    /// <summary>TD_ATTRIBUTES bit 0 (TUD.DEBUG).</summary>
    public bool IsDebug => (TdAttributes[0] & 0x01) != 0;

    /// <summary>RTMR i (0..3).</summary>
    public byte[] GetRtmr(int index) => index switch
    {
        0 => Rtmr0,
        1 => Rtmr1,
        2 => Rtmr2,
        3 => Rtmr3,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };
}
