using System.Collections;
using System.Globalization;
using System.Numerics;
using Nethereum.ABI;
using Nethereum.ABI.ABIDeserialisation;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.Model;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Contracts.NodeRegistry;

/// <summary>
/// The registry's ABI as Nethereum reads it from the committed solc ABI JSON (<see cref="ContractABI"/>): calls are encoded
/// by <see cref="FunctionCallEncoder"/>, outputs, events and custom errors decoded by Nethereum's decoders. This class
/// only maps between Nethereum's value forms (address strings, <see cref="ParameterOutput"/> lists) and ours
/// (<see cref="EthAddress"/>, <see cref="Hash32"/>, <c>object?[]</c> tuples and arrays).
/// </summary>
internal static class NodeRegistryAbi
{
    private static readonly Lazy<ContractABI> s_contract = new(() => new ABIJsonDeserialiser().DeserialiseContract(NodeRegistryContract.AbiJson));
    private static readonly FunctionCallEncoder s_encoder = new();
    private static readonly FunctionCallDecoder s_decoder = new();

    public static ContractABI Contract => s_contract.Value;

    public static FunctionABI Function(string name) =>
        Contract.Functions.SingleOrDefault(f => f.Name == name) ?? throw new ArgumentException($"NodeRegistry has no function {name}.", nameof(name));

    /// <summary>Selector ‖ ABI-encoded arguments.</summary>
    public static byte[] EncodeCall(string function, params object?[] arguments)
    {
        var f = Function(function);
        if (arguments.Length != f.InputParameters.Length)
        {
            throw new ArgumentException($"{f.Signature} takes {f.InputParameters.Length} arguments, got {arguments.Length}.", nameof(arguments));
        }

        var values = f.InputParameters.Select((p, i) => ToNethereum(p.ABIType, arguments[i])).ToArray();
        return Hex.Decode(s_encoder.EncodeRequest(f.Sha3Signature, f.InputParameters, values));
    }

    /// <summary>abi.encode of one value of the type of <paramref name="function"/>'s single parameter (e.g. a struct, for its id).</summary>
    public static byte[] EncodeArgument(string function, object?[] tuple)
    {
        var parameter = Function(function).InputParameters.Single();
        return new ParametersEncoder().EncodeParameters([parameter], [ToNethereum(parameter.ABIType, tuple)]);
    }

    /// <summary>The outputs of <paramref name="function"/>, in our value forms.</summary>
    /// <exception cref="ChainException"><see cref="ChainErrorReason.InvalidAbi"/> when the output does not decode.</exception>
    public static object?[] DecodeOutput(string function, byte[] output)
    {
        var f = Function(function);
        return Decode(f.Signature, () => s_decoder.DecodeDefaultData(output, f.OutputParameters));
    }

    /// <summary>The registry event a log holds (name and all parameters in declaration order), or false for another log.</summary>
    public static bool TryDecodeEvent(IReadOnlyList<Hash32> topics, byte[] data, out string name, out object?[] values)
    {
        name = string.Empty;
        values = [];
        if (topics.Count == 0)
        {
            return false;
        }

        var topic0 = topics[0].ToString();
        var e = Contract.Events.FirstOrDefault(ev => string.Equals("0x" + ev.Sha3Signature, topic0, StringComparison.OrdinalIgnoreCase));
        if (e is null || topics.Count != e.NumberOfIndexes + 1)
        {
            return false;
        }

        var topicObjects = topics.Select(t => (object)t.ToString()).ToArray();
        name = e.Name;
        values = Decode(e.Signature, () => new EventTopicDecoder().DecodeDefaultTopics(e, topicObjects, Hex.Encode(data)));
        return true;
    }

    /// <summary>The registry custom error in revert data (name and arguments), or false when it is none of them.</summary>
    public static bool TryDecodeError(ReadOnlySpan<byte> revertData, out string name, out object?[] arguments)
    {
        name = string.Empty;
        arguments = [];
        if (revertData.Length < 4)
        {
            return false;
        }

        var selector = Hex.Encode(revertData[..4])[2..];
        var error = Contract.Errors.FirstOrDefault(e => e.Sha3Signature.StartsWith(selector, StringComparison.OrdinalIgnoreCase));
        if (error is null)
        {
            return false;
        }

        var hex = Hex.Encode(revertData);
        try
        {
            arguments = Decode(error.Signature, () => s_decoder.DecodeError(error, hex));
        }
        catch (ChainException)
        {
            return false;
        }

        name = error.Name;
        return true;
    }

    /// <summary><c>Name(arg, ...)</c> of a registry custom error, else the generic description of the revert.</summary>
    public static string DescribeRevert(ReadOnlySpan<byte> revertData) =>
        TryDecodeError(revertData, out var name, out var arguments)
            ? name + "(" + string.Join(", ", arguments.Select(Format)) + ")"
            : JsonRpc.RevertDecoder.Describe(revertData);

    private static object?[] Decode(string what, Func<List<ParameterOutput>> decode)
    {
        try
        {
            return [.. decode().OrderBy(o => o.Parameter.Order).Select(o => FromNethereum(o.Parameter.ABIType, o.Result))];
        }
        catch (Exception ex) when (ex is not ChainException and not OutOfMemoryException)
        {
            throw new ChainException(ChainErrorReason.InvalidAbi, $"{what}: the data does not decode: {ex.Message}", ex);
        }
    }

    private static object? ToNethereum(ABIType type, object? value) => (type, value) switch
    {
        (_, null) => null,
        (AddressType, EthAddress a) => a.ToLowerHexString(),
        (_, Hash32 h) => h.ToArray(),
        (_, ReadOnlyMemory<byte> m) => m.ToArray(),
        (IntType, ulong u) => new BigInteger(u),
        (IntType, uint u) => new BigInteger(u),
        (IntType, int i) => new BigInteger(i),
        (IntType, byte b) => new BigInteger(b),
        (TupleType t, object?[] items) => t.Components.Select((c, i) => ToNethereum(c.ABIType, items[i])).ToArray(),
        (ArrayType a, object?[] items) => items.Select(item => ToNethereum(a.ElementType, item)).ToList(),
        (ArrayType a, IEnumerable items) when value is not string and not byte[] => items.Cast<object?>().Select(item => ToNethereum(a.ElementType, item)).ToList(),
        _ => value,
    };

    private static object? FromNethereum(ABIType type, object? value) => (type, value) switch
    {
        (_, null) => null,
        (AddressType, string s) => EthAddress.Parse(s.ToLowerInvariant()),
        (TupleType t, List<ParameterOutput> outputs) => outputs.OrderBy(o => o.Parameter.Order).Select(o => FromNethereum(o.Parameter.ABIType, o.Result)).ToArray(),
        (ArrayType a, IEnumerable items) when value is not string and not byte[] => items.Cast<object?>().Select(item => FromNethereum(a.ElementType, item)).ToArray(),
        _ => value,
    };

    private static string Format(object? value) => value switch
    {
        null => "null",
        byte[] bytes => Hex.Encode(bytes),
        object?[] items => "[" + string.Join(", ", items.Select(Format)) + "]",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
