namespace PhalaWorker.Attestation.Emulation;

/// <summary>
/// The emulated platform's TCB identity: what the PCK certificate's SGX extension and the quote's TEE_TCB_SVN claim.
/// Defaults mirror the real Intel sample quote (FMSPC B0C06F000000, PCE-ID 0000, PCESVN 11, TEE_TCB_SVN 06 01 03 …),
/// which the generated TCB info rates UpToDate.
/// </summary>
public sealed record EmulatedPlatform
{
    /// <summary>FMSPC (6 bytes).</summary>
    public byte[] Fmspc { get; init; } = Convert.FromHexString("B0C06F000000");

    /// <summary>PCE-ID (2 bytes).</summary>
    public byte[] PceId { get; init; } = [0x00, 0x00];

    /// <summary>The 16 SGX TCB component SVNs of the PCK certificate.</summary>
    public byte[] SgxTcbComponents { get; init; } = [3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>PCESVN of the PCK certificate.</summary>
    public ushort PceSvn { get; init; } = 11;

    /// <summary>CPUSVN (16 bytes) in the PCK certificate.</summary>
    public byte[] CpuSvn { get; init; } = Convert.FromHexString("03030202040100050000000000000000");

    /// <summary>TEE_TCB_SVN (16 bytes) of the TD report: [0] TDX module ISVSVN, [1] module major version (TDX_0x identity), [2] microcode.</summary>
    public byte[] TeeTcbSvn { get; init; } = Convert.FromHexString("06010300000000000000000000000000");

    /// <summary>MRSEAM (48 bytes) of the emulated TDX module.</summary>
    public byte[] MrSeam { get; init; } = System.Security.Cryptography.SHA384.HashData("phala-worker emulated TDX module"u8);

    /// <summary>SGX type in the PCK certificate (0 standard, 1 scalable, 2 scalable with integrity).</summary>
    public int SgxType { get; init; } = 1;

    /// <summary>When true, the generated PCK CRL revokes the PCK leaf (to exercise revocation checks).</summary>
    public bool RevokePckCertificate { get; init; }

    internal void Validate()
    {
        Check(Fmspc, 6, nameof(Fmspc));
        Check(PceId, 2, nameof(PceId));
        Check(SgxTcbComponents, 16, nameof(SgxTcbComponents));
        Check(CpuSvn, 16, nameof(CpuSvn));
        Check(TeeTcbSvn, 16, nameof(TeeTcbSvn));
        Check(MrSeam, 48, nameof(MrSeam));
    }

    private static void Check(byte[]? value, int length, string name)
    {
        if (value is null || value.Length != length)
        {
            throw new ArgumentException($"{name} must be {length} bytes.", name);
        }
    }
}
