namespace PhalaWorker.Chain.Primitives.Abi;

/// <summary>A named parameter of a function, event, error or tuple; <see cref="Indexed"/> only for event parameters.</summary>
public sealed record AbiParameter(string Name, AbiType Type, bool Indexed = false)
{
    /// <inheritdoc />
    public override string ToString() => Type.CanonicalName + (Indexed ? " indexed" : string.Empty) + (Name.Length > 0 ? " " + Name : string.Empty);
}
