using System.Globalization;
using System.Numerics;

namespace PhalaWorker.Chain.Primitives.Abi;

/// <summary>A Solidity custom error (<c>error Name(...)</c>); revert data = selector ‖ abi.encode(arguments).</summary>
public sealed class AbiError
{
    /// <summary>The built-in <c>Error(string)</c> of <c>require</c>/<c>revert("...")</c> (selector 0x08c379a0).</summary>
    public static AbiError ErrorString { get; } = new("Error", [new AbiParameter("message", AbiType.String)]);

    /// <summary>The built-in <c>Panic(uint256)</c> of failed asserts and arithmetic (selector 0x4e487b71).</summary>
    public static AbiError Panic { get; } = new("Panic", [new AbiParameter("code", AbiType.UInt256)]);

    public AbiError(string name, IReadOnlyList<AbiParameter> inputs)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(inputs);
        Name = name;
        Inputs = inputs;
        Signature = AbiSignature.Canonical(name, inputs);
        Selector = AbiSignature.Selector(Signature);
    }

    public string Name { get; }

    public IReadOnlyList<AbiParameter> Inputs { get; }

    /// <summary>The canonical signature, e.g. <c>NotOperator(address)</c>.</summary>
    public string Signature { get; }

    /// <summary>The 4-byte selector.</summary>
    public byte[] Selector { get; }

    /// <summary>Parses <c>[error] Name(type [name], ...)</c>.</summary>
    public static AbiError Parse(string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var parser = new AbiSignatureParser(signature.Trim());
        parser.TryReadKeyword("error ");
        var name = parser.ReadIdentifier();
        var inputs = parser.ParseParameterList(allowIndexed: false);
        parser.ExpectEnd();
        return new AbiError(name, inputs);
    }

    /// <summary>Whether revert data starts with this error's selector.</summary>
    public bool Matches(ReadOnlySpan<byte> revertData) => revertData.Length >= 4 && revertData[..4].SequenceEqual(Selector);

    /// <summary>selector ‖ abi.encode(arguments).</summary>
    public byte[] Encode(params IReadOnlyList<object?> arguments) =>
        [.. Selector, .. AbiEncoder.Encode(Inputs.Select(p => p.Type).ToArray(), arguments)];

    /// <summary>Decodes revert data of this error.</summary>
    public object?[] Decode(ReadOnlySpan<byte> revertData)
    {
        if (!Matches(revertData))
        {
            throw new ChainException(ChainErrorReason.InvalidAbi, $"Revert data is not {Signature}.");
        }

        return AbiDecoder.Decode(Inputs.Select(p => p.Type).ToArray(), revertData[4..]);
    }

    /// <summary>
    /// Describes revert data for humans: <c>Error(string)</c> as its message, <c>Panic(uint256)</c> as "panic 0x11",
    /// a known custom error as <c>Name(arg, ...)</c>; false when the data is empty or matches nothing decodable.
    /// </summary>
    public static bool TryDescribeRevert(ReadOnlySpan<byte> revertData, IEnumerable<AbiError>? customErrors, out string description)
    {
        description = string.Empty;
        try
        {
            if (ErrorString.Matches(revertData))
            {
                description = (string)ErrorString.Decode(revertData)[0]!;
                return true;
            }

            if (Panic.Matches(revertData))
            {
                description = "panic 0x" + ((BigInteger)Panic.Decode(revertData)[0]!).ToString("x2", CultureInfo.InvariantCulture);
                return true;
            }

            foreach (var error in customErrors ?? [])
            {
                if (error.Matches(revertData))
                {
                    var args = error.Decode(revertData).Select(FormatValue);
                    description = error.Name + "(" + string.Join(", ", args) + ")";
                    return true;
                }
            }
        }
        catch (ChainException)
        {
            return false;
        }

        return false;
    }

    private static string FormatValue(object? value) => value switch
    {
        null => "null",
        byte[] bytes => Hex.Encode(bytes),
        object?[] items => "[" + string.Join(", ", items.Select(FormatValue)) + "]",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <inheritdoc />
    public override string ToString() => Signature;
}
