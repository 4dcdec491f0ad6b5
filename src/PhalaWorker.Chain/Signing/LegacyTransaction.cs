using System.Numerics;
using PhalaWorker.Chain.Primitives.Rlp;

namespace PhalaWorker.Chain.Signing;

/// <summary>
/// A legacy transaction, EIP-155 protected when <see cref="EthTransaction.ChainId"/> is non-zero:
/// signed over rlp([nonce, gasPrice, gasLimit, to, value, data, chainId, 0, 0]), v = recoveryId + 35 + 2·chainId.
/// </summary>
public sealed record LegacyTransaction : EthTransaction
{
    public BigInteger GasPrice { get; init; }

    /// <inheritdoc />
    public override byte Type => 0;

    /// <inheritdoc />
    public override byte[] GetSigningPayload()
    {
        var writer = new RlpWriter(96 + Data.Length);
        writer.StartList();
        WriteFields(writer);
        if (ChainId != 0)
        {
            writer.WriteUInt64(ChainId).WriteUInt64(0).WriteUInt64(0);
        }

        writer.EndList();
        return writer.ToArray();
    }

    /// <summary>The v value of a signature for this transaction.</summary>
    public BigInteger GetV(EthSignature signature) =>
        ChainId == 0 ? 27 + signature.RecoveryId : new BigInteger(ChainId) * 2 + 35 + signature.RecoveryId;

    /// <inheritdoc />
    public override byte[] EncodeSigned(EthSignature signature)
    {
        var writer = new RlpWriter(160 + Data.Length);
        writer.StartList();
        WriteFields(writer);
        writer.WriteBigInteger(GetV(signature));
        WriteSignatureScalars(writer, signature);
        writer.EndList();
        return writer.ToArray();
    }

    internal static (EthTransaction Transaction, EthSignature Signature) DecodeSigned(ReadOnlySpan<byte> raw)
    {
        var outer = new RlpReader(raw);
        var fields = outer.ReadList();
        outer.EnsureEnd();
        var nonce = fields.ReadUInt64();
        var gasPrice = fields.ReadBigInteger();
        var gasLimit = fields.ReadUInt64();
        var to = fields.ReadOptionalAddress();
        var value = fields.ReadBigInteger();
        var data = fields.ReadBytes().ToArray();
        var v = fields.ReadBigInteger();
        var r = ReadScalar(ref fields);
        var s = ReadScalar(ref fields);
        fields.EnsureEnd();

        ulong chainId;
        byte recoveryId;
        if (v == 27 || v == 28)
        {
            chainId = 0;
            recoveryId = (byte)(v - 27);
        }
        else if (v >= 37)
        {
            chainId = (ulong)((v - 35) / 2);
            recoveryId = (byte)((v - 35) % 2);
        }
        else
        {
            throw new ChainException(ChainErrorReason.InvalidTransaction, $"Invalid legacy v {v}.");
        }

        var transaction = new LegacyTransaction
        {
            ChainId = chainId, Nonce = nonce, GasPrice = gasPrice, GasLimit = gasLimit, To = to, Value = value, Data = data,
        };
        return (transaction, new EthSignature(r, s, recoveryId));
    }

    private void WriteFields(RlpWriter writer) =>
        writer.WriteUInt64(Nonce).WriteBigInteger(GasPrice).WriteUInt64(GasLimit).WriteAddress(To).WriteBigInteger(Value).WriteBytes(Data.Span);

    /// <inheritdoc />
    public bool Equals(LegacyTransaction? other) => base.Equals(other) && GasPrice == other.GasPrice;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), GasPrice);
}
