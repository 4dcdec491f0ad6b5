namespace PhalaWorker.Chain.JsonRpc;

/// <summary>A block parameter of a JSON-RPC call: a tag (<c>latest</c>, <c>pending</c>, …) or a block number.</summary>
public readonly record struct BlockTag
{
    private readonly string? _tag;

    private BlockTag(string? tag, ulong number)
    {
        _tag = tag;
        Number = number;
    }

    public static BlockTag Latest { get; } = new("latest", 0);

    public static BlockTag Pending { get; } = new("pending", 0);

    public static BlockTag Earliest { get; } = new("earliest", 0);

    public static BlockTag Safe { get; } = new("safe", 0);

    public static BlockTag Finalized { get; } = new("finalized", 0);

    /// <summary>The block number, when this is not a named tag.</summary>
    public ulong Number { get; }

    /// <summary>Whether this is a number rather than a named tag.</summary>
    public bool IsNumber => _tag is null;

    public static BlockTag FromNumber(ulong number) => new(null, number);

    public static implicit operator BlockTag(ulong number) => FromNumber(number);

    /// <summary>The JSON-RPC form: the tag name or a 0x-hex quantity.</summary>
    public override string ToString() => _tag ?? HexQuantity.Format(Number);

}
