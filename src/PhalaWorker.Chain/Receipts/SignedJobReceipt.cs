using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Receipts;

/// <summary>A receipt with its domain (chain id, registry) and 65-byte signature, as parsed from receipt JSON.</summary>
public sealed record SignedJobReceipt(JobReceiptData Receipt, ulong ChainId, EthAddress Registry, byte[] Signature)
{
    /// <summary>The EIP-712 digest (also the Merkle leaf).</summary>
    public Hash32 Digest => JobReceiptTypedData.Digest(Receipt, ChainId, Registry);

    /// <summary>The address that signed the receipt.</summary>
    /// <exception cref="ChainException">The signature is malformed or does not recover.</exception>
    public EthAddress RecoverSigner() => JobReceiptTypedData.Recover(Receipt, ChainId, Registry, Signature);

    /// <summary>Whether <paramref name="node"/> signed exactly this receipt.</summary>
    public bool IsSignedBy(EthAddress node) => JobReceiptTypedData.Verify(Receipt, ChainId, Registry, Signature, node);

    /// <summary>The receipt JSON (eth_signTypedData_v4 shape plus <c>signature</c>).</summary>
    public string ToJson() => JobReceiptTypedData.ToJson(Receipt, ChainId, Registry, Signature);
}
