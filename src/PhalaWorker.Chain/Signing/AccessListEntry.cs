using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>One EIP-2930 access list entry: an address and the storage slots the transaction pre-declares.</summary>
public sealed record AccessListEntry(EthAddress Address, IReadOnlyList<Hash32> StorageKeys)
{
    /// <inheritdoc />
    public bool Equals(AccessListEntry? other) =>
        other is not null && Address == other.Address && StorageKeys.SequenceEqual(other.StorageKeys);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Address, StorageKeys.Count);
}
