using Nethereum.ABI.EIP712;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>
/// EIP-712 through Nethereum (<see cref="Eip712TypedDataEncoder"/>, <see cref="TypedDataRawJsonConversion"/>), with its
/// failures turned into <see cref="ChainException"/> (<see cref="ChainErrorReason.InvalidTypedData"/>).
/// </summary>
public static class TypedDataHashing
{
    /// <summary>The name of the domain type.</summary>
    public const string DomainTypeName = "EIP712Domain";

    /// <summary>keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(primaryType, message)).</summary>
    /// <exception cref="ChainException">The data does not match its types.</exception>
    public static Hash32 Hash(TypedDataRaw typedData) => new(Hashes(typedData).TypedDataHash);

    /// <summary>The domain separator, hashStruct of the message and the digest.</summary>
    /// <exception cref="ChainException">The data does not match its types.</exception>
    public static TypedDataHashResult Hashes(TypedDataRaw typedData)
    {
        ArgumentNullException.ThrowIfNull(typedData);
        try
        {
            return Eip712TypedDataEncoder.Current.CalculateTypedDataHashes(typedData);
        }
        catch (Exception ex) when (ex is not ChainException and not OutOfMemoryException)
        {
            throw new ChainException(ChainErrorReason.InvalidTypedData, "The typed data does not match its types: " + ex.Message, ex);
        }
    }

    /// <summary>keccak256(0x19 0x01 ‖ domainSeparator ‖ structHash).</summary>
    public static Hash32 Digest(Hash32 domainSeparator, Hash32 structHash)
    {
        Span<byte> buffer = stackalloc byte[66];
        buffer[0] = 0x19;
        buffer[1] = 0x01;
        domainSeparator.CopyTo(buffer[2..]);
        structHash.CopyTo(buffer[34..]);
        return Keccak256.Hash(buffer);
    }

    /// <summary>Parses <c>eth_signTypedData_v4</c> JSON <c>{types, primaryType, domain, message}</c>.</summary>
    /// <exception cref="ChainException">Malformed JSON or typed data.</exception>
    public static TypedDataRaw ParseJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return TypedDataRawJsonConversion.DeserialiseJsonToRawTypedData(json);
        }
        catch (Exception ex) when (ex is not ChainException and not OutOfMemoryException)
        {
            throw new ChainException(ChainErrorReason.InvalidTypedData, "Invalid EIP-712 JSON: " + ex.Message, ex);
        }
    }

    /// <summary>Writes <c>eth_signTypedData_v4</c> JSON.</summary>
    public static string ToJson(TypedDataRaw typedData)
    {
        ArgumentNullException.ThrowIfNull(typedData);
        return TypedDataRawJsonConversion.ToJson(typedData);
    }
}
