using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.Model;
using Nethereum.Util;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Tests.Primitives;

namespace PhalaWorker.Chain.Tests.Contracts;

/// <summary>
/// ABI encoding runs on Nethereum; the Solidity spec examples and ethereum/tests ABI vectors check the encoder we call
/// (<see cref="FunctionCallEncoder"/>, <see cref="ParametersEncoder"/>) and its decoder round trip.
/// </summary>
public class AbiVectorTests
{
    private static IEnumerable<TestCaseData> CalldataVectors() =>
        EthereumTestData.Vectors("abi_encoding.json").Where(v => v["sig"] is not null)
            .Select(v => new TestCaseData(v).SetArgDisplayNames(v.Str("sig")));

    private static IEnumerable<TestCaseData> TypeVectors() =>
        EthereumTestData.Vectors("abi_encoding.json").Where(v => v["types"] is not null)
            .Select(v => new TestCaseData(v["types"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray(), v["args"]!.DeepClone(), v.Str("encoded_args_no_selector")))
            .Concat(EthereumTestData.Load("src/basic_abi_tests.json").AsObject().Select(p => new TestCaseData(
                p.Value!["types"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray(), p.Value["args"]!.DeepClone(), "0x" + p.Value.Str("result"))
                .SetArgDisplayNames("ethereum/tests " + p.Key)));

    [TestCaseSource(nameof(CalldataVectors))]
    public void EncodeRequest_SpecExample_MatchesCalldata(JsonObject vector)
    {
        var signature = vector.Str("sig");
        var types = signature[(signature.IndexOf('(', StringComparison.Ordinal) + 1)..^1].Split(',');
        var parameters = types.Select((t, i) => new Parameter(t, i + 1)).ToArray();
        var values = vector["args"]!.AsArray().Select((a, i) => FromJson(types[i], a, utf8Bytes: false)).ToArray();
        var selector = Sha3Keccack.Current.CalculateHash(signature)[..8];

        var calldata = new FunctionCallEncoder().EncodeRequest(selector, parameters, values);

        Assert.Multiple(() =>
        {
            Assert.That("0x" + selector, Is.EqualTo(vector.Str("selector")));
            Assert.That(calldata, Is.EqualTo(vector.Str("calldata")));
        });
    }

    [TestCaseSource(nameof(TypeVectors))]
    public void EncodeParameters_TypesVector_MatchesAndDecodesBack(string[] types, JsonNode args, string expected)
    {
        var parameters = types.Select((t, i) => new Parameter(t, i + 1)).ToArray();
        var values = args.AsArray().Select((a, i) => FromJson(types[i], a, utf8Bytes: true)).ToArray();

        var encoded = new ParametersEncoder().EncodeParameters(parameters, values);
        var decoded = new ParameterDecoder().DecodeDefaultData(encoded, parameters).Select(o => o.Result).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(encoded), Is.EqualTo(expected));
            Assert.That(Format(decoded), Is.EqualTo(Format(values)));
        });
    }

    // JSON vector argument → Nethereum's value forms: integers BigInteger, bytes byte[], arrays lists, address/string as is.
    private static object FromJson(string type, JsonNode? node, bool utf8Bytes)
    {
        if (type.EndsWith(']'))
        {
            var element = type[..type.LastIndexOf('[')];
            return node!.AsArray().Select(n => FromJson(element, n, utf8Bytes)).ToList();
        }

        if (type.StartsWith("uint", StringComparison.Ordinal) || type.StartsWith("int", StringComparison.Ordinal))
        {
            return node!.GetValueKind() == JsonValueKind.Number
                ? BigInteger.Parse(node.ToJsonString(), CultureInfo.InvariantCulture)
                : new BigInteger(Hex.Decode(node.GetValue<string>() is { Length: var n } s && n % 2 == 1 ? "0x0" + s[2..] : node.GetValue<string>()), isUnsigned: true, isBigEndian: true);
        }

        if (type.StartsWith("bytes", StringComparison.Ordinal))
        {
            var s = node!.GetValue<string>();
            return utf8Bytes && !s.StartsWith("0x", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(s) : Hex.Decode(s);
        }

        return type == "bool" ? node!.GetValue<bool>() : node!.GetValue<string>();
    }

    private static string Format(IEnumerable<object?> values) => "[" + string.Join(", ", values.Select(Format)) + "]";

    private static string Format(object? value) => value switch
    {
        byte[] bytes => Hex.Encode(bytes),
        string s => s.ToLowerInvariant(),
        System.Collections.IEnumerable items => Format(items.Cast<object?>()),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "null",
    };
}
