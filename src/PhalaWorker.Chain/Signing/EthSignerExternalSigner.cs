using Nethereum.Model;
using Nethereum.Signer;
using Nethereum.Signer.Crypto;

namespace PhalaWorker.Chain.Signing;

/// <summary>
/// Nethereum's external signer over an <see cref="EthSigner"/>: whatever Nethereum signs with it (transactions, messages,
/// typed data) is signed by libsecp256k1 with the key held in <see cref="EthSigner"/>'s pinned buffer. The private key
/// never enters Nethereum's managed <c>EthECKey</c>.
/// </summary>
public sealed class EthSignerExternalSigner : EthExternalSignerBase
{
    private readonly EthSigner _signer;

    public EthSignerExternalSigner(EthSigner signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        _signer = signer;
    }

    /// <inheritdoc />
    public override bool Supported1559 => true;

    /// <inheritdoc />
    public override ExternalSignerTransactionFormat ExternalSignerTransactionFormat { get; protected set; } = ExternalSignerTransactionFormat.Hash;

    /// <summary>v comes from libsecp256k1's recovery id, so Nethereum never recomputes it in managed code.</summary>
    public override bool CalculatesV { get; protected set; } = true;

    /// <inheritdoc />
    public override Task<string> GetAddressAsync() => Task.FromResult(_signer.Address.ToString());

    /// <inheritdoc />
    public override Task SignAsync(Transaction1559 transaction)
    {
        EthTransactions.Sign(_signer, transaction);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task SignAsync(LegacyTransactionChainId transaction)
    {
        EthTransactions.Sign(_signer, transaction);
        return Task.CompletedTask;
    }

    /// <summary>Unprotected (pre-EIP-155) transactions replay on every chain: refused.</summary>
    public override Task SignAsync(LegacyTransaction transaction) =>
        throw new NotSupportedException("Transactions without a chain id (pre-EIP-155) are not signed.");

    /// <summary>EIP-7702 delegations are not part of this node's protocol: refused.</summary>
    public override Task SignAsync(Transaction7702 transaction) =>
        throw new NotSupportedException("EIP-7702 transactions are not signed by the node.");

    /// <inheritdoc />
    protected override Task<byte[]> GetPublicKeyAsync()
    {
        var publicKey = new byte[65];
        publicKey[0] = 0x04;
        _signer.PublicKey.Span.CopyTo(publicKey.AsSpan(1));
        return Task.FromResult(publicKey);
    }

    /// <summary>Signs a 32-byte hash; v = 27 + recovery id (personal_sign, EIP-712).</summary>
    protected override Task<ECDSASignature> SignExternallyAsync(byte[] bytes)
    {
        var signature = _signer.SignHash(bytes);
        var ecdsa = new ECDSASignature(
            new Org.BouncyCastle.Math.BigInteger(1, signature.R), new Org.BouncyCastle.Math.BigInteger(1, signature.S))
        {
            V = [signature.V],
        };
        return Task.FromResult(ecdsa);
    }
}
