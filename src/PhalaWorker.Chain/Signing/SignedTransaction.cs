using Nethereum.Model;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>
/// A signed transaction: Nethereum's model of it, the raw bytes for <c>eth_sendRawTransaction</c>, the transaction hash
/// and the sender (recovered through libsecp256k1).
/// </summary>
public sealed record SignedTransaction(ISignedTransaction Transaction, EthSignature Signature, byte[] RawTransaction, Hash32 Hash, EthAddress From)
{
    /// <summary>0x-hex of <see cref="RawTransaction"/>.</summary>
    public string ToHex() => Hex.Encode(RawTransaction);
}
