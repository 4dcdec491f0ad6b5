using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>A recoverable secp256k1 signature: r and s (32 bytes big-endian each) and the recovery id (0 or 1).</summary>
public readonly record struct EthSignature(byte[] R, byte[] S, byte RecoveryId)
{
    /// <summary>v as personal_sign, EIP-712 and ecrecover use it: 27 + recovery id.</summary>
    public byte V => (byte)(27 + RecoveryId);

    /// <summary>r‖s‖v with v = 27/28 (the 65-byte form of personal_sign and eth_signTypedData).</summary>
    public byte[] ToBytes65()
    {
        var bytes = new byte[65];
        WriteBytes65(bytes);
        return bytes;
    }

    /// <summary>Writes r‖s‖v (v = 27/28) into 65 bytes.</summary>
    public void WriteBytes65(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, 65, nameof(destination));
        WriteCompact(destination);
        destination[64] = V;
    }

    /// <summary>Writes r‖s (64 bytes).</summary>
    public void WriteCompact(Span<byte> destination)
    {
        if (R is not { Length: 32 } || S is not { Length: 32 })
        {
            throw new InvalidOperationException("R and S must be 32 bytes each.");
        }

        R.CopyTo(destination);
        S.CopyTo(destination[32..]);
    }

    /// <summary>Parses r‖s‖v; v may be 27/28 or 0/1.</summary>
    /// <exception cref="ChainException">Wrong length or v.</exception>
    public static EthSignature FromBytes65(ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 65)
        {
            throw new ChainException(ChainErrorReason.InvalidSignature, $"A signature is 65 bytes (r‖s‖v), got {signature.Length}.");
        }

        var v = signature[64];
        var recoveryId = v switch
        {
            0 or 1 => v,
            27 or 28 => (byte)(v - 27),
            _ => throw new ChainException(ChainErrorReason.InvalidSignature, $"Signature v must be 27/28 (or 0/1), got {v}."),
        };
        return new EthSignature(signature[..32].ToArray(), signature[32..64].ToArray(), recoveryId);
    }

    /// <summary>Parses 65 bytes of hex (see <see cref="FromBytes65"/>).</summary>
    public static EthSignature FromHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        return FromBytes65(Hex.Decode(hex));
    }

    /// <summary>0x-hex of <see cref="ToBytes65"/>.</summary>
    public string ToHex() => Hex.Encode(ToBytes65());

    /// <inheritdoc />
    public bool Equals(EthSignature other) =>
        RecoveryId == other.RecoveryId && R.AsSpan().SequenceEqual(other.R) && S.AsSpan().SequenceEqual(other.S);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(R is { Length: >= 4 } ? BitConverter.ToInt32(R) : 0, RecoveryId);

    /// <inheritdoc />
    public override string ToString() => R is null || S is null ? "<empty signature>" : ToHex();
}
