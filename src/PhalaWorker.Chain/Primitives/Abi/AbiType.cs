using System.Globalization;

namespace PhalaWorker.Chain.Primitives.Abi;

/// <summary>
/// A Solidity ABI type. Values: uintN/intN as <see cref="System.Numerics.BigInteger"/> (any integer type is accepted when encoding),
/// address as <see cref="EthAddress"/>, bool, bytesN and bytes as <c>byte[]</c> (bytes32 also as <see cref="Hash32"/>),
/// string, arrays and tuples as <c>object?[]</c> (any <see cref="System.Collections.IEnumerable"/> when encoding).
/// </summary>
public sealed class AbiType : IEquatable<AbiType>
{
    private AbiType(AbiTypeKind kind, int size, AbiType? element, IReadOnlyList<AbiParameter>? components)
    {
        Kind = kind;
        Size = size;
        ElementType = element;
        Components = components ?? [];
        CanonicalName = kind switch
        {
            AbiTypeKind.UInt => "uint" + size.ToString(CultureInfo.InvariantCulture),
            AbiTypeKind.Int => "int" + size.ToString(CultureInfo.InvariantCulture),
            AbiTypeKind.Address => "address",
            AbiTypeKind.Bool => "bool",
            AbiTypeKind.FixedBytes => "bytes" + size.ToString(CultureInfo.InvariantCulture),
            AbiTypeKind.Bytes => "bytes",
            AbiTypeKind.String => "string",
            AbiTypeKind.Array => element!.CanonicalName + "[]",
            AbiTypeKind.FixedArray => element!.CanonicalName + "[" + size.ToString(CultureInfo.InvariantCulture) + "]",
            _ => "(" + string.Join(",", Components.Select(c => c.Type.CanonicalName)) + ")",
        };
        IsDynamic = kind switch
        {
            AbiTypeKind.Bytes or AbiTypeKind.String or AbiTypeKind.Array => true,
            AbiTypeKind.FixedArray => element!.IsDynamic,
            AbiTypeKind.Tuple => Components.Any(c => c.Type.IsDynamic),
            _ => false,
        };
        if (!IsDynamic)
        {
            StaticSize = kind switch
            {
                AbiTypeKind.FixedArray => checked(element!.StaticSize * size),
                AbiTypeKind.Tuple => Components.Sum(c => c.Type.StaticSize),
                _ => 32,
            };
        }
    }

    public static AbiType UInt256 { get; } = new(AbiTypeKind.UInt, 256, null, null);

    public static AbiType UInt64 { get; } = new(AbiTypeKind.UInt, 64, null, null);

    public static AbiType Address { get; } = new(AbiTypeKind.Address, 0, null, null);

    public static AbiType Bool { get; } = new(AbiTypeKind.Bool, 0, null, null);

    public static AbiType Bytes32 { get; } = new(AbiTypeKind.FixedBytes, 32, null, null);

    public static AbiType Bytes { get; } = new(AbiTypeKind.Bytes, 0, null, null);

    public static AbiType String { get; } = new(AbiTypeKind.String, 0, null, null);

    /// <summary>What kind of type this is.</summary>
    public AbiTypeKind Kind { get; }

    /// <summary>Bits for uintN/intN, bytes for bytesN, the length for T[k]; 0 otherwise.</summary>
    public int Size { get; }

    /// <summary>The element type of T[] and T[k].</summary>
    public AbiType? ElementType { get; }

    /// <summary>The components of a tuple (empty otherwise).</summary>
    public IReadOnlyList<AbiParameter> Components { get; }

    /// <summary>The canonical name used in signatures, e.g. <c>(uint256,bytes)[]</c>.</summary>
    public string CanonicalName { get; }

    /// <summary>Whether the encoding is dynamic (referenced by an offset in the head).</summary>
    public bool IsDynamic { get; }

    /// <summary>The head size of a static type in bytes (0 for dynamic types, whose head is a 32-byte offset).</summary>
    public int StaticSize { get; }

    /// <summary>The size this type occupies in the head of an enclosing tuple.</summary>
    public int HeadSize => IsDynamic ? 32 : StaticSize;

    public static AbiType UInt(int bits) => new(AbiTypeKind.UInt, CheckBits(bits), null, null);

    public static AbiType Int(int bits) => new(AbiTypeKind.Int, CheckBits(bits), null, null);

    public static AbiType FixedBytes(int size) =>
        size is >= 1 and <= 32 ? new(AbiTypeKind.FixedBytes, size, null, null) : throw new ArgumentOutOfRangeException(nameof(size), "bytesN needs 1 ≤ N ≤ 32.");

    public static AbiType ArrayOf(AbiType element) => new(AbiTypeKind.Array, 0, element ?? throw new ArgumentNullException(nameof(element)), null);

    public static AbiType FixedArrayOf(AbiType element, int length) =>
        length >= 1 ? new(AbiTypeKind.FixedArray, length, element ?? throw new ArgumentNullException(nameof(element)), null)
            : throw new ArgumentOutOfRangeException(nameof(length), "T[k] needs k ≥ 1.");

    public static AbiType Tuple(params IEnumerable<AbiType> components) => new(AbiTypeKind.Tuple, 0, null, [.. components.Select(t => new AbiParameter(string.Empty, t))]);

    public static AbiType Tuple(params IEnumerable<AbiParameter> components) => new(AbiTypeKind.Tuple, 0, null, [.. components]);

    /// <summary>Parses a type: <c>uint256</c>, <c>int</c>, <c>address</c>, <c>bool</c>, <c>bytes7</c>, <c>bytes</c>, <c>string</c>,
    /// <c>T[]</c>, <c>T[3]</c>, <c>(T1,T2)</c> or <c>tuple(T1,T2)</c>; tuple components may carry names (<c>(uint256 a,bool b)</c>).</summary>
    /// <exception cref="ChainException">Not a valid type (<see cref="ChainErrorReason.InvalidAbi"/>).</exception>
    public static AbiType Parse(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var parser = new AbiSignatureParser(type);
        var result = parser.ParseType();
        parser.ExpectEnd();
        return result;
    }

    /// <summary>Parses a comma-separated parameter list without the parentheses, e.g. <c>uint256 a, bytes b</c>.</summary>
    public static IReadOnlyList<AbiParameter> ParseParameters(string parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var parser = new AbiSignatureParser("(" + parameters + ")");
        var result = parser.ParseParameterList(allowIndexed: true);
        parser.ExpectEnd();
        return result;
    }

    internal static AbiType FromElementary(string name)
    {
        switch (name)
        {
            case "address": return Address;
            case "bool": return Bool;
            case "string": return String;
            case "bytes": return Bytes;
            case "uint": return UInt256;
            case "int": return Int(256);
        }

        if (name.StartsWith("uint", StringComparison.Ordinal) && TryNumber(name.AsSpan(4), out var bits) && IsValidBits(bits))
        {
            return UInt(bits);
        }

        if (name.StartsWith("int", StringComparison.Ordinal) && TryNumber(name.AsSpan(3), out bits) && IsValidBits(bits))
        {
            return Int(bits);
        }

        if (name.StartsWith("bytes", StringComparison.Ordinal) && TryNumber(name.AsSpan(5), out var size) && size is >= 1 and <= 32)
        {
            return FixedBytes(size);
        }

        throw new ChainException(ChainErrorReason.InvalidAbi, $"Unknown ABI type '{name}'.");
    }

    private static bool TryNumber(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        return digits.Length is > 0 and <= 3 && digits[0] != '0'
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsValidBits(int bits) => bits is >= 8 and <= 256 && bits % 8 == 0;

    private static int CheckBits(int bits) =>
        IsValidBits(bits) ? bits : throw new ArgumentOutOfRangeException(nameof(bits), "Integer types need 8 ≤ N ≤ 256, a multiple of 8.");

    /// <inheritdoc />
    public bool Equals(AbiType? other) => other is not null && CanonicalName == other.CanonicalName;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as AbiType);

    /// <inheritdoc />
    public override int GetHashCode() => CanonicalName.GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => CanonicalName;
}
