namespace PhalaWorker.Chain.Primitives.Abi;

/// <summary>A contract function: selector = first 4 bytes of keccak256(canonical signature).</summary>
public sealed class AbiFunction
{
    public AbiFunction(string name, IReadOnlyList<AbiParameter> inputs, IReadOnlyList<AbiParameter>? outputs = null, string? stateMutability = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(inputs);
        Name = name;
        Inputs = inputs;
        Outputs = outputs ?? [];
        StateMutability = stateMutability ?? "nonpayable";
        Signature = AbiSignature.Canonical(name, inputs);
        Selector = AbiSignature.Selector(Signature);
    }

    public string Name { get; }

    public IReadOnlyList<AbiParameter> Inputs { get; }

    public IReadOnlyList<AbiParameter> Outputs { get; }

    /// <summary>"view", "pure", "nonpayable" or "payable".</summary>
    public string StateMutability { get; }

    /// <summary>The canonical signature, e.g. <c>transfer(address,uint256)</c>.</summary>
    public string Signature { get; }

    /// <summary>The 4-byte selector.</summary>
    public byte[] Selector { get; }

    /// <summary>Parses <c>name(type [name], ...) [returns (type [name], ...)]</c>, optionally prefixed by <c>function</c>.</summary>
    public static AbiFunction Parse(string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var parser = new AbiSignatureParser(signature.Trim());
        parser.TryReadKeyword("function ");
        var name = parser.ReadIdentifier();
        var inputs = parser.ParseParameterList(allowIndexed: false);
        IReadOnlyList<AbiParameter> outputs = [];
        string? mutability = null;
        foreach (var keyword in new[] { "external", "public", "view", "pure", "payable", "nonpayable" })
        {
            if (parser.TryReadKeyword(keyword))
            {
                mutability = keyword is "external" or "public" ? mutability : keyword;
            }
        }

        if (parser.TryReadKeyword("returns"))
        {
            outputs = parser.ParseParameterList(allowIndexed: false);
        }

        parser.ExpectEnd();
        return new AbiFunction(name, inputs, outputs, mutability);
    }

    /// <summary>selector ‖ abi.encode(arguments).</summary>
    public byte[] EncodeCall(params IReadOnlyList<object?> arguments)
    {
        var encoded = AbiEncoder.Encode(Inputs.Select(p => p.Type).ToArray(), arguments);
        return [.. Selector, .. encoded];
    }

    /// <summary>Decodes calldata (selector checked) into the input values.</summary>
    public object?[] DecodeCall(ReadOnlySpan<byte> calldata)
    {
        if (calldata.Length < 4 || !calldata[..4].SequenceEqual(Selector))
        {
            throw new ChainException(ChainErrorReason.InvalidAbi, $"Calldata does not start with the selector of {Signature}.");
        }

        return AbiDecoder.Decode(Inputs.Select(p => p.Type).ToArray(), calldata[4..]);
    }

    /// <summary>Decodes the return data of a call.</summary>
    public object?[] DecodeOutput(ReadOnlySpan<byte> returnData) => AbiDecoder.Decode(Outputs.Select(p => p.Type).ToArray(), returnData);

    /// <inheritdoc />
    public override string ToString() => Signature;
}
