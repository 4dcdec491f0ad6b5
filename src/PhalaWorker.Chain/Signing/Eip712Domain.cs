using System.Numerics;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>The EIP-712 domain. Only the members that are set take part in <c>EIP712Domain</c> (in the spec's order).</summary>
public sealed record Eip712Domain
{
    public string? Name { get; init; }

    public string? Version { get; init; }

    public BigInteger? ChainId { get; init; }

    public EthAddress? VerifyingContract { get; init; }

    public Hash32? Salt { get; init; }

    /// <summary>The <c>EIP712Domain</c> type for the members that are set.</summary>
    public IReadOnlyList<TypedDataField> GetFields()
    {
        var fields = new List<TypedDataField>(5);
        if (Name is not null)
        {
            fields.Add(new("name", "string"));
        }

        if (Version is not null)
        {
            fields.Add(new("version", "string"));
        }

        if (ChainId is not null)
        {
            fields.Add(new("chainId", "uint256"));
        }

        if (VerifyingContract is not null)
        {
            fields.Add(new("verifyingContract", "address"));
        }

        if (Salt is not null)
        {
            fields.Add(new("salt", "bytes32"));
        }

        return fields;
    }

    /// <summary>The domain as a message value map for hashing and JSON.</summary>
    public IReadOnlyDictionary<string, object?> ToMessage()
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (Name is not null)
        {
            values["name"] = Name;
        }

        if (Version is not null)
        {
            values["version"] = Version;
        }

        if (ChainId is { } chainId)
        {
            values["chainId"] = chainId;
        }

        if (VerifyingContract is { } contract)
        {
            values["verifyingContract"] = contract;
        }

        if (Salt is { } salt)
        {
            values["salt"] = salt;
        }

        return values;
    }
}
