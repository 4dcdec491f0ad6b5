using System.Numerics;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Rlp;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Transactions;

/// <summary>Signs the EIP-1559 (type 2) transactions the sender broadcasts.</summary>
internal static class TransactionSigning
{
    public static (byte[] Raw, Hash32 Hash) SignEip1559(
        EthSigner signer,
        ulong chainId,
        ulong nonce,
        BigInteger maxPriorityFeePerGas,
        BigInteger maxFeePerGas,
        ulong gasLimit,
        EthAddress? to,
        BigInteger value,
        ReadOnlySpan<byte> data)
    {
        var unsigned = new RlpWriter(data.Length + 128);
        WriteFields(unsigned, chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data);
        unsigned.EndList();
        var payload = new byte[1 + unsigned.WrittenSpan.Length];
        payload[0] = 0x02;
        unsigned.WrittenSpan.CopyTo(payload.AsSpan(1));
        var signature = signer.SignHash(Keccak256.Hash(payload));

        var signed = new RlpWriter(data.Length + 200);
        WriteFields(signed, chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data);
        signed.WriteUInt64(signature.RecoveryId);
        signed.WriteBigInteger(new BigInteger(signature.R, isUnsigned: true, isBigEndian: true));
        signed.WriteBigInteger(new BigInteger(signature.S, isUnsigned: true, isBigEndian: true));
        signed.EndList();
        var raw = new byte[1 + signed.WrittenSpan.Length];
        raw[0] = 0x02;
        signed.WrittenSpan.CopyTo(raw.AsSpan(1));
        return (raw, Keccak256.Hash(raw));
    }

    private static void WriteFields(
        RlpWriter writer,
        ulong chainId,
        ulong nonce,
        BigInteger maxPriorityFeePerGas,
        BigInteger maxFeePerGas,
        ulong gasLimit,
        EthAddress? to,
        BigInteger value,
        ReadOnlySpan<byte> data)
    {
        writer.StartList()
            .WriteUInt64(chainId)
            .WriteUInt64(nonce)
            .WriteBigInteger(maxPriorityFeePerGas)
            .WriteBigInteger(maxFeePerGas)
            .WriteUInt64(gasLimit)
            .WriteAddress(to)
            .WriteBigInteger(value)
            .WriteBytes(data)
            .StartList().EndList(); // empty access list
    }
}
