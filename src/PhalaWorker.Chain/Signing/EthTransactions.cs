using System.Numerics;
using Nethereum.Model;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>
/// Signs and decodes transactions modelled and RLP-encoded by Nethereum (<see cref="Transaction1559"/>,
/// <see cref="LegacyTransactionChainId"/>, <see cref="TransactionFactory"/>); the secp256k1 work — signing the signing hash
/// and recovering the sender — runs on libsecp256k1 (<see cref="Secp256k1"/>), never in Nethereum's managed <c>EthECKey</c>.
/// </summary>
public static class EthTransactions
{
    /// <summary>An EIP-1559 transaction; <paramref name="to"/> null creates a contract.</summary>
    public static Transaction1559 Eip1559(
        ulong chainId, ulong nonce, BigInteger maxPriorityFeePerGas, BigInteger maxFeePerGas, ulong gasLimit, EthAddress? to, BigInteger value,
        ReadOnlySpan<byte> data) =>
        new(chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to?.ToLowerHexString() ?? string.Empty, value, Hex.Encode(data), []);

    /// <summary>Signs an EIP-1559 transaction with <paramref name="signer"/> (v = yParity) and encodes it.</summary>
    public static SignedTransaction Sign(EthSigner signer, Transaction1559 transaction)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(transaction);
        var signature = signer.SignHash(Keccak256.Hash(transaction.GetRLPEncodedRaw()));
        transaction.SetSignature(new Signature(signature.R, signature.S, [signature.RecoveryId]));
        return Encoded(transaction, signature, signer.Address);
    }

    /// <summary>Signs an EIP-155 legacy transaction (v = recoveryId + 35 + 2·chainId) and encodes it.</summary>
    public static SignedTransaction Sign(EthSigner signer, LegacyTransactionChainId transaction)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(transaction);
        var signature = signer.SignHash(Keccak256.Hash(transaction.GetRLPEncodedRaw()));
        var v = (transaction.GetChainIdAsBigInteger() * 2) + 35 + signature.RecoveryId;
        transaction.SetSignature(new Signature(signature.R, signature.S, v.ToByteArray(isUnsigned: true, isBigEndian: true)));
        return Encoded(transaction, signature, signer.Address);
    }

    /// <summary>Decodes a raw signed transaction (legacy, EIP-155 or EIP-1559) and recovers its sender.</summary>
    /// <exception cref="ChainException">Malformed, unsupported type, or a signature that does not recover.</exception>
    public static SignedTransaction Decode(ReadOnlySpan<byte> rawTransaction)
    {
        if (rawTransaction.IsEmpty)
        {
            throw new ChainException(ChainErrorReason.InvalidTransaction, "Empty transaction.");
        }

        if (rawTransaction[0] < 0xc0 && rawTransaction[0] != (byte)TransactionType.EIP1559.AsByte())
        {
            throw new ChainException(ChainErrorReason.InvalidTransaction, $"Unsupported transaction type 0x{rawTransaction[0]:x2}.");
        }

        var raw = rawTransaction.ToArray();
        ISignedTransaction transaction;
        byte[] signingHash;
        try
        {
            transaction = TransactionFactory.CreateTransaction(raw);
            signingHash = transaction.RawHash;
        }
        catch (Exception ex) when (ex is not ChainException and not OutOfMemoryException)
        {
            // Nethereum's RLP decoder reports malformed input with whatever exception the bad length hits.
            throw new ChainException(ChainErrorReason.InvalidTransaction, "Malformed transaction: " + ex.Message, ex);
        }

        // Nethereum's decoder is lenient (trailing bytes, non-canonical lengths and integers): only bytes that re-encode to
        // themselves are accepted, as geth accepts them.
        if (!IsCanonical(transaction, raw))
        {
            throw new ChainException(ChainErrorReason.InvalidRlp, "The transaction is not canonical RLP (trailing or non-minimal bytes).");
        }

        if (transaction.Signature is not { } sig || sig.R is null || sig.S is null)
        {
            throw new ChainException(ChainErrorReason.InvalidTransaction, "The transaction is not signed.");
        }

        var signature = new EthSignature(Scalar(sig.R), Scalar(sig.S), RecoveryId(transaction, sig.V));
        if (!Secp256k1.TryRecover(signingHash, signature, out var from))
        {
            throw new ChainException(ChainErrorReason.InvalidSignature, "The transaction signature does not recover to a sender.");
        }

        return new SignedTransaction(transaction, signature, raw, Keccak256.Hash(raw), from);
    }

    private static bool IsCanonical(ISignedTransaction transaction, byte[] raw)
    {
        // A decoded transaction keeps its input bytes, so it is encoded afresh from its fields.
        switch (transaction)
        {
            case Transaction1559 eip1559:
                return Transaction1559Encoder.Current.Encode(eip1559).AsSpan().SequenceEqual(raw)
                    && MinimalInteger(eip1559.Signature?.R) && MinimalInteger(eip1559.Signature?.S);
            case SignedLegacyTransaction legacy:
                var signature = legacy.Signature;
                var fresh = transaction is LegacyTransactionChainId chain
                    ? new LegacyTransactionChainId(legacy.Nonce, legacy.GasPrice, legacy.GasLimit, legacy.ReceiveAddress, legacy.Value, legacy.Data, chain.ChainId, signature?.R, signature?.S, signature?.V).GetRLPEncoded()
                    : new LegacyTransaction(legacy.Nonce, legacy.GasPrice, legacy.GasLimit, legacy.ReceiveAddress, legacy.Value, legacy.Data, signature?.R, signature?.S, signature?.V is [var v] ? v : (byte)0).GetRLPEncoded();
                return fresh.AsSpan().SequenceEqual(raw)
                    && MinimalInteger(legacy.Nonce) && MinimalInteger(legacy.GasPrice) && MinimalInteger(legacy.GasLimit) && MinimalInteger(legacy.Value)
                    && MinimalInteger(signature?.R) && MinimalInteger(signature?.S) && MinimalInteger(signature?.V);
            default:
                return false;
        }
    }

    private static bool MinimalInteger(byte[]? value) => value is null || value.Length == 0 || value[0] != 0;

    private static SignedTransaction Encoded(ISignedTransaction transaction, EthSignature signature, EthAddress from)
    {
        var raw = transaction.GetRLPEncoded();
        return new SignedTransaction(transaction, signature, raw, Keccak256.Hash(raw), from);
    }

    private static byte RecoveryId(ISignedTransaction transaction, byte[]? vBytes)
    {
        var v = vBytes is null ? BigInteger.Zero : new BigInteger(vBytes, isUnsigned: true, isBigEndian: true);
        var recoveryId = transaction switch
        {
            Transaction1559 => v,
            LegacyTransactionChainId legacy => v - 35 - (legacy.GetChainIdAsBigInteger() * 2),
            _ => v - 27,
        };
        return recoveryId == 0 || recoveryId == 1
            ? (byte)recoveryId
            : throw new ChainException(ChainErrorReason.InvalidTransaction, $"The signature's v ({v}) does not match the transaction type and chain.");
    }

    // RLP integers drop leading zeros; r and s are 32-byte scalars.
    private static byte[] Scalar(byte[] value)
    {
        if (value.Length > 32)
        {
            throw new ChainException(ChainErrorReason.InvalidTransaction, "A signature scalar is longer than 32 bytes.");
        }

        var scalar = new byte[32];
        value.CopyTo(scalar, 32 - value.Length);
        return scalar;
    }
}
