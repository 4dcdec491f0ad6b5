using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>A signed transaction: the raw bytes for <c>eth_sendRawTransaction</c>, the transaction hash and the sender.</summary>
public sealed record SignedTransaction(EthTransaction Transaction, EthSignature Signature, byte[] RawTransaction, Hash32 Hash, EthAddress From)
{
    /// <summary>0x-hex of <see cref="RawTransaction"/>.</summary>
    public string ToHex() => Hex.Encode(RawTransaction);
}
