namespace PhalaWorker.Chain.Primitives.Rlp;

/// <summary>A decoded RLP tree: either a byte string or a list of items.</summary>
public sealed class RlpItem : IEquatable<RlpItem>
{
    private RlpItem(byte[]? bytes, IReadOnlyList<RlpItem>? items)
    {
        Bytes = bytes;
        Items = items;
    }

    /// <summary>The payload of a byte string; null for a list.</summary>
    public byte[]? Bytes { get; }

    /// <summary>The children of a list; null for a byte string.</summary>
    public IReadOnlyList<RlpItem>? Items { get; }

    /// <summary>Whether this is a list.</summary>
    public bool IsList => Items is not null;

    /// <summary>A byte string item.</summary>
    public static RlpItem FromBytes(ReadOnlySpan<byte> bytes) => new(bytes.ToArray(), null);

    /// <summary>A list item.</summary>
    public static RlpItem FromList(params IEnumerable<RlpItem> items) => new(null, [.. items]);

    /// <summary>Encodes this tree canonically.</summary>
    public byte[] Encode()
    {
        var writer = new RlpWriter();
        WriteTo(writer);
        return writer.ToArray();
    }

    /// <summary>Writes this tree into <paramref name="writer"/>.</summary>
    public void WriteTo(RlpWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (Items is null)
        {
            writer.WriteBytes(Bytes);
            return;
        }

        writer.StartList();
        foreach (var item in Items)
        {
            item.WriteTo(writer);
        }

        writer.EndList();
    }

    /// <summary>Decodes exactly one item spanning all of <paramref name="encoded"/>, recursively and strictly.</summary>
    /// <exception cref="ChainException">Invalid RLP (<see cref="ChainErrorReason.InvalidRlp"/>).</exception>
    public static RlpItem Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new RlpReader(encoded);
        var item = Read(ref reader, depth: 0);
        reader.EnsureEnd();
        return item;
    }

    private static RlpItem Read(ref RlpReader reader, int depth)
    {
        if (depth > 1024)
        {
            throw new ChainException(ChainErrorReason.InvalidRlp, "Invalid RLP: nesting deeper than 1024.");
        }

        if (!reader.IsNextList)
        {
            return FromBytes(reader.ReadBytes());
        }

        var list = reader.ReadList();
        var items = new List<RlpItem>();
        while (!list.IsEnd)
        {
            items.Add(Read(ref list, depth + 1));
        }

        return new RlpItem(null, items);
    }

    /// <inheritdoc />
    public bool Equals(RlpItem? other)
    {
        if (other is null || IsList != other.IsList)
        {
            return false;
        }

        return Items is null ? Bytes.AsSpan().SequenceEqual(other.Bytes) : Items.SequenceEqual(other.Items!);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RlpItem);

    /// <inheritdoc />
    public override int GetHashCode() => Items is null ? HashCode.Combine(Bytes!.Length) : HashCode.Combine(Items.Count, 1);

    /// <inheritdoc />
    public override string ToString() => Items is null ? Hex.Encode(Bytes) : "[" + string.Join(", ", Items) + "]";
}
