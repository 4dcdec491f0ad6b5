namespace PhalaWorker.Chain.Signing;

/// <summary>
/// EIP-712 typed data in the <c>eth_signTypedData_v4</c> shape. <see cref="Types"/> holds the struct types (an
/// <c>EIP712Domain</c> entry, if present, is ignored in favour of <see cref="Domain"/>). <see cref="Message"/> values:
/// string, bool, integers (any CLR integer or BigInteger), <see cref="Primitives.EthAddress"/>, byte[] or
/// <see cref="Primitives.Hash32"/> for bytes/bytesN, nested <c>IReadOnlyDictionary&lt;string, object?&gt;</c> for structs,
/// and any enumerable for arrays.
/// </summary>
public sealed record TypedData(
    Eip712Domain Domain,
    IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> Types,
    string PrimaryType,
    IReadOnlyDictionary<string, object?> Message)
{
    /// <summary>The EIP-712 digest: keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(primaryType, message)).</summary>
    public Primitives.Hash32 Hash() => Eip712.HashTypedData(this);
}
