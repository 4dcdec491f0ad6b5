namespace PhalaWorker.Attestation.Tdx;

/// <summary>The 48-byte quote header (identical in v4 and v5).</summary>
public sealed record QuoteHeader
{
    public const int Size = 48;

    /// <summary>The TDX TEE type (0x00000081).</summary>
    public const uint TeeTypeTdx = 0x81;

    /// <summary>ECDSA-256-with-P-256 attestation key type.</summary>
    public const ushort AttestationKeyTypeEcdsaP256 = 2;

    /// <summary>Intel's QE vendor id 939A7233-F79C-4CA9-940A-0DB3957F0607.</summary>
    public static ReadOnlySpan<byte> IntelQeVendorId =>
        [0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07];

    public ushort Version { get; init; } = 4;

    public ushort AttestationKeyType { get; init; } = AttestationKeyTypeEcdsaP256;

    public uint TeeType { get; init; } = TeeTypeTdx;

    /// <summary>Bytes 8..9 (reserved in the v4 spec; dcap-qvl calls it qe_svn).</summary>
    public ushort QeSvn { get; init; }

    /// <summary>Bytes 10..11 (reserved in the v4 spec; dcap-qvl calls it pce_svn).</summary>
    public ushort PceSvn { get; init; }

    /// <summary>16 bytes.</summary>
    public byte[] QeVendorId { get; init; } = IntelQeVendorId.ToArray();

    /// <summary>20 bytes (the first 16 are the QE's platform identifier on Intel's QE).</summary>
    public byte[] UserData { get; init; } = new byte[20];
}
