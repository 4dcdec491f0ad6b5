namespace PhalaWorker.Compute.Graph;

/// <summary>bfloat16 storage (the upper 16 bits of a float32). Supported by Cast and data-movement ops only.</summary>
public readonly record struct BFloat16(ushort Bits)
{
    /// <summary>Rounds to nearest even (NaN stays NaN).</summary>
    public static BFloat16 FromSingle(float value)
    {
        if (float.IsNaN(value))
        {
            return new BFloat16(0x7FC0);
        }

        var bits = BitConverter.SingleToUInt32Bits(value);
        var rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
        return new BFloat16((ushort)(rounded >> 16));
    }

    public float ToSingle() => BitConverter.UInt32BitsToSingle((uint)Bits << 16);
}
