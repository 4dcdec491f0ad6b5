using System.Numerics;
using PhalaWorker.Chain.Primitives.Rlp;

namespace PhalaWorker.Chain.Signing;

/// <summary>An EIP-1559 (type 2) transaction: 0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList, yParity, r, s]).</summary>
public sealed record Eip1559Transaction : EthTransaction
{
    public const byte TypeByte = 0x02;

    public BigInteger MaxPriorityFeePerGas { get; init; }

    public BigInteger MaxFeePerGas { get; init; }

    public IReadOnlyList<AccessListEntry> AccessList { get; init; } = [];

    /// <inheritdoc />
    public override byte Type => TypeByte;

    /// <inheritdoc />
    public override byte[] GetSigningPayload()
    {
        var writer = new RlpWriter(128 + Data.Length);
        writer.WriteEncoded([TypeByte]);
        writer.StartList();
        WriteFields(writer);
        writer.EndList();
        return writer.ToArray();
    }

    /// <inheritdoc />
    public override byte[] EncodeSigned(EthSignature signature)
    {
        if (signature.RecoveryId > 1)
        {
            throw new ChainException(ChainErrorReason.InvalidSignature, "yParity must be 0 or 1.");
        }

        var writer = new RlpWriter(200 + Data.Length);
        writer.WriteEncoded([TypeByte]);
        writer.StartList();
        WriteFields(writer);
        writer.WriteUInt64(signature.RecoveryId);
        WriteSignatureScalars(writer, signature);
        writer.EndList();
        return writer.ToArray();
    }

    internal static (EthTransaction Transaction, EthSignature Signature) DecodeSigned(ReadOnlySpan<byte> raw)
    {
        var outer = new RlpReader(raw[1..]);
        var fields = outer.ReadList();
        outer.EnsureEnd();
        var transaction = new Eip1559Transaction
        {
            ChainId = fields.ReadUInt64(),
            Nonce = fields.ReadUInt64(),
            MaxPriorityFeePerGas = fields.ReadBigInteger(),
            MaxFeePerGas = fields.ReadBigInteger(),
            GasLimit = fields.ReadUInt64(),
            To = fields.ReadOptionalAddress(),
            Value = fields.ReadBigInteger(),
            Data = fields.ReadBytes().ToArray(),
            AccessList = ReadAccessList(ref fields),
        };
        var yParity = fields.ReadUInt64();
        if (yParity > 1)
        {
            throw new ChainException(ChainErrorReason.InvalidTransaction, $"yParity must be 0 or 1, got {yParity}.");
        }

        var r = ReadScalar(ref fields);
        var s = ReadScalar(ref fields);
        fields.EnsureEnd();
        return (transaction, new EthSignature(r, s, (byte)yParity));
    }

    private void WriteFields(RlpWriter writer)
    {
        writer.WriteUInt64(ChainId)
            .WriteUInt64(Nonce)
            .WriteBigInteger(MaxPriorityFeePerGas)
            .WriteBigInteger(MaxFeePerGas)
            .WriteUInt64(GasLimit)
            .WriteAddress(To)
            .WriteBigInteger(Value)
            .WriteBytes(Data.Span);
        writer.StartList();
        foreach (var entry in AccessList)
        {
            writer.StartList().WriteAddress(entry.Address).StartList();
            foreach (var key in entry.StorageKeys)
            {
                writer.WriteBytes(key.AsSpan());
            }

            writer.EndList().EndList();
        }

        writer.EndList();
    }

    private static List<AccessListEntry> ReadAccessList(ref RlpReader fields)
    {
        var list = fields.ReadList();
        var entries = new List<AccessListEntry>();
        while (!list.IsEnd)
        {
            var entry = list.ReadList();
            var address = entry.ReadAddress();
            var keysReader = entry.ReadList();
            var keys = new List<PhalaWorker.Chain.Primitives.Hash32>();
            while (!keysReader.IsEnd)
            {
                keys.Add(keysReader.ReadHash32());
            }

            entry.EnsureEnd();
            entries.Add(new AccessListEntry(address, keys));
        }

        return entries;
    }

    /// <inheritdoc />
    public bool Equals(Eip1559Transaction? other) =>
        base.Equals(other) && MaxPriorityFeePerGas == other.MaxPriorityFeePerGas && MaxFeePerGas == other.MaxFeePerGas
        && AccessList.SequenceEqual(other.AccessList);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), MaxFeePerGas);
}
