namespace PhalaWorker.Attestation.Tdx;

/// <summary>The 384-byte SGX enclave report body (the QE report inside the certification data). Reserved fields are kept for a byte-exact round trip.</summary>
public sealed record SgxReportBody
{
    public const int Size = 384;

    public byte[] CpuSvn { get; init; } = new byte[16];

    public uint MiscSelect { get; init; }

    public byte[] Reserved1 { get; init; } = new byte[28];

    /// <summary>16 bytes: flags (8) ‖ XFRM (8).</summary>
    public byte[] Attributes { get; init; } = new byte[16];

    public byte[] MrEnclave { get; init; } = new byte[32];

    public byte[] Reserved2 { get; init; } = new byte[32];

    public byte[] MrSigner { get; init; } = new byte[32];

    public byte[] Reserved3 { get; init; } = new byte[96];

    public ushort IsvProdId { get; init; }

    public ushort IsvSvn { get; init; }

    public byte[] Reserved4 { get; init; } = new byte[60];

    public byte[] ReportData { get; init; } = new byte[64];
}
