namespace PhalaWorker.Chain.Signing;

/// <summary>A member of an EIP-712 struct type: <c>{"name": "...", "type": "..."}</c>.</summary>
public sealed record TypedDataField(string Name, string Type);
