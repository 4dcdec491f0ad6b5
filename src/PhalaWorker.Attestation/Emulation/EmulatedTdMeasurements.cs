namespace PhalaWorker.Attestation.Emulation;

/// <summary>
/// The TD measurements an emulated quote reports. Every field is a fixed-size byte array; <see cref="Default"/> gives a
/// plausible production TD (non-debug, SEPT_VE_DISABLE set, zero RTMR3).
/// </summary>
public sealed record EmulatedTdMeasurements
{
    /// <summary>Length of MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG and each RTMR.</summary>
    public const int MeasurementLength = 48;

    /// <summary>The default measurements: MRTD = SHA-384("phala-worker emulated MRTD"), RTMR0–2 likewise, RTMR3 zero.</summary>
    public static EmulatedTdMeasurements Default { get; } = new();

    /// <summary>MRTD (48 bytes).</summary>
    public byte[] Mrtd { get; init; } = Label("phala-worker emulated MRTD");

    /// <summary>MRCONFIGID (48 bytes). Default zero.</summary>
    public byte[] MrConfigId { get; init; } = new byte[MeasurementLength];

    /// <summary>MROWNER (48 bytes). Default zero.</summary>
    public byte[] MrOwner { get; init; } = new byte[MeasurementLength];

    /// <summary>MROWNERCONFIG (48 bytes). Default zero.</summary>
    public byte[] MrOwnerConfig { get; init; } = new byte[MeasurementLength];

    /// <summary>RTMR0..RTMR3 (4 × 48 bytes).</summary>
    public IReadOnlyList<byte[]> Rtmrs { get; init; } =
    [
        Label("phala-worker emulated RTMR0"),
        Label("phala-worker emulated RTMR1"),
        Label("phala-worker emulated RTMR2"),
        new byte[MeasurementLength],
    ];

    /// <summary>TD attributes (8 bytes, little-endian bit field). Default: SEPT_VE_DISABLE (bit 28), DEBUG clear.</summary>
    public byte[] TdAttributes { get; init; } = [0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00];

    /// <summary>XFAM (8 bytes). Default the value real TDs report (<c>e702060000000000</c>).</summary>
    public byte[] Xfam { get; init; } = [0xe7, 0x02, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00];

    /// <summary>Returns a copy with RTMR <paramref name="index"/> replaced.</summary>
    public EmulatedTdMeasurements WithRtmr(int index, ReadOnlySpan<byte> value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 3);
        if (value.Length != MeasurementLength)
        {
            throw new ArgumentException($"An RTMR is {MeasurementLength} bytes.", nameof(value));
        }

        var rtmrs = Rtmrs.Select(r => (byte[])r.Clone()).ToArray();
        rtmrs[index] = value.ToArray();
        return this with { Rtmrs = rtmrs };
    }

    internal void Validate()
    {
        Check(Mrtd, MeasurementLength, nameof(Mrtd));
        Check(MrConfigId, MeasurementLength, nameof(MrConfigId));
        Check(MrOwner, MeasurementLength, nameof(MrOwner));
        Check(MrOwnerConfig, MeasurementLength, nameof(MrOwnerConfig));
        Check(TdAttributes, 8, nameof(TdAttributes));
        Check(Xfam, 8, nameof(Xfam));
        if (Rtmrs is not { Count: 4 })
        {
            throw new ArgumentException("Exactly four RTMRs are required.", nameof(Rtmrs));
        }

        for (var i = 0; i < 4; i++)
        {
            Check(Rtmrs[i], MeasurementLength, $"Rtmrs[{i}]");
        }
    }

    private static void Check(byte[]? value, int length, string name)
    {
        if (value is null || value.Length != length)
        {
            throw new ArgumentException($"{name} must be {length} bytes.", name);
        }
    }

    private static byte[] Label(string text) => System.Security.Cryptography.SHA384.HashData(System.Text.Encoding.ASCII.GetBytes(text));
}
