using System.Numerics;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Rlp;

namespace PhalaWorker.Chain.Signing;

/// <summary>The fields every transaction type shares. Sign with <see cref="Sign"/>; decode raw bytes with <see cref="Decode"/>.</summary>
public abstract record EthTransaction
{
    /// <summary>EIP-155 chain id (for a legacy transaction, 0 means unprotected, pre-EIP-155).</summary>
    public ulong ChainId { get; init; }

    public ulong Nonce { get; init; }

    public ulong GasLimit { get; init; }

    /// <summary>The recipient; null creates a contract.</summary>
    public EthAddress? To { get; init; }

    /// <summary>Wei sent.</summary>
    public BigInteger Value { get; init; }

    /// <summary>Calldata (or init code when <see cref="To"/> is null).</summary>
    public ReadOnlyMemory<byte> Data { get; init; } = ReadOnlyMemory<byte>.Empty;

    /// <summary>The EIP-2718 type byte (0 for legacy).</summary>
    public abstract byte Type { get; }

    /// <summary>The bytes whose keccak256 is signed.</summary>
    public abstract byte[] GetSigningPayload();

    /// <summary>keccak256 of <see cref="GetSigningPayload"/>.</summary>
    public Hash32 GetSigningHash() => Keccak256.Hash(GetSigningPayload());

    /// <summary>The signing hash for another chain id (the transaction with <see cref="ChainId"/> replaced).</summary>
    public Hash32 GetSigningHash(ulong chainId) => (this with { ChainId = chainId }).GetSigningHash();

    /// <summary>The raw signed transaction (what <c>eth_sendRawTransaction</c> takes).</summary>
    public abstract byte[] EncodeSigned(EthSignature signature);

    /// <summary>Signs and encodes.</summary>
    public SignedTransaction Sign(EthSigner signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var signature = signer.SignHash(GetSigningHash());
        var raw = EncodeSigned(signature);
        return new SignedTransaction(this, signature, raw, Keccak256.Hash(raw), signer.Address);
    }

    /// <summary>Decodes a raw signed transaction (legacy or EIP-1559) and recovers its sender.</summary>
    /// <exception cref="ChainException">Malformed, unsupported type, or a signature that does not recover.</exception>
    public static SignedTransaction Decode(ReadOnlySpan<byte> rawTransaction)
    {
        if (rawTransaction.IsEmpty)
        {
            throw new ChainException(ChainErrorReason.InvalidTransaction, "Empty transaction.");
        }

        var (transaction, signature) = rawTransaction[0] switch
        {
            >= 0xc0 => LegacyTransaction.DecodeSigned(rawTransaction),
            Eip1559Transaction.TypeByte => Eip1559Transaction.DecodeSigned(rawTransaction),
            var t => throw new ChainException(ChainErrorReason.InvalidTransaction, $"Unsupported transaction type 0x{t:x2}."),
        };
        if (!Secp256k1.TryRecover(transaction.GetSigningHash(), signature, out var from))
        {
            throw new ChainException(ChainErrorReason.InvalidSignature, "The transaction signature does not recover to a sender.");
        }

        return new SignedTransaction(transaction, signature, rawTransaction.ToArray(), Keccak256.Hash(rawTransaction), from);
    }

    /// <summary>Writes r and s as RLP integers (no leading zeros).</summary>
    private protected static void WriteSignatureScalars(RlpWriter writer, EthSignature signature)
    {
        writer.WriteBigInteger(new BigInteger(signature.R, isUnsigned: true, isBigEndian: true));
        writer.WriteBigInteger(new BigInteger(signature.S, isUnsigned: true, isBigEndian: true));
    }

    private protected static byte[] ReadScalar(ref RlpReader reader)
    {
        var value = reader.ReadBigInteger();
        var bytes = new byte[32];
        if (!value.IsZero)
        {
            value.TryWriteBytes(bytes.AsSpan(32 - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        }

        return bytes;
    }

    /// <inheritdoc />
    public virtual bool Equals(EthTransaction? other) =>
        other is not null && other.GetType() == GetType() && ChainId == other.ChainId && Nonce == other.Nonce && GasLimit == other.GasLimit
        && To == other.To && Value == other.Value && Data.Span.SequenceEqual(other.Data.Span);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ChainId, Nonce, GasLimit, To, Value, Data.Length);
}
