using System.Numerics;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Abi;
using PropertyAttribute = FsCheck.NUnit.PropertyAttribute;

// FsCheck supplies the arguments of [Property] methods; NUnit.Analyzers does not know that.
#pragma warning disable NUnit1027

namespace PhalaWorker.Chain.Tests.Primitives.Abi;

public class AbiEncoderTests
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
    public void EncodeCall_SpecExample_MatchesCalldata(JsonObject vector)
    {
        var function = AbiFunction.Parse(vector.Str("sig"));
        var args = vector["args"]!.AsArray().Select((a, i) => AbiTestValues.FromJson(function.Inputs[i].Type, a, utf8Bytes: false)).ToArray();

        var calldata = function.EncodeCall(args);

        Assert.Multiple(() =>
        {
            Assert.That(function.Signature, Is.EqualTo(vector.Str("sig")));
            Assert.That(Hex.Encode(function.Selector), Is.EqualTo(vector.Str("selector")));
            Assert.That(Hex.Encode(calldata), Is.EqualTo(vector.Str("calldata")));
        });
    }

    [TestCaseSource(nameof(CalldataVectors))]
    public void DecodeCall_SpecExample_GivesArguments(JsonObject vector)
    {
        var function = AbiFunction.Parse(vector.Str("sig"));
        var args = vector["args"]!.AsArray().Select((a, i) => AbiTestValues.FromJson(function.Inputs[i].Type, a, utf8Bytes: false)).ToArray();

        var decoded = function.DecodeCall(Hex.Decode(vector.Str("calldata")));

        Assert.That(AbiTestValues.Format(decoded), Is.EqualTo(AbiTestValues.Format(args)));
    }

    [TestCaseSource(nameof(TypeVectors))]
    public void Encode_TypesVector_MatchesAndDecodesBack(string[] typeNames, JsonNode args, string expected)
    {
        var types = typeNames.Select(AbiType.Parse).ToArray();
        var values = args.AsArray().Select((a, i) => AbiTestValues.FromJson(types[i], a, utf8Bytes: true)).ToArray();

        var encoded = AbiEncoder.Encode(types, values);

        Assert.That(Hex.Encode(encoded), Is.EqualTo(expected));
        Assert.That(AbiTestValues.Format(AbiDecoder.Decode(types, encoded)), Is.EqualTo(AbiTestValues.Format(values)));
    }

    [TestCase("uint", "uint256")]
    [TestCase("int", "int256")]
    [TestCase("tuple(uint8,(bytes,string[])[2])[]", "(uint8,(bytes,string[])[2])[]")]
    [TestCase("(uint256 a, bool b)", "(uint256,bool)")]
    [TestCase("bytes32[][3]", "bytes32[][3]")]
    public void Parse_Type_GivesCanonicalName(string text, string canonical)
    {
        Assert.That(AbiType.Parse(text).CanonicalName, Is.EqualTo(canonical));
    }

    [TestCase("uint7")]
    [TestCase("uint264")]
    [TestCase("uint08")]
    [TestCase("bytes33")]
    [TestCase("bytes0")]
    [TestCase("int[0]")]
    [TestCase("(uint256")]
    [TestCase("address payable x")]
    [TestCase("float")]
    public void Parse_InvalidType_ThrowsInvalidAbi(string text)
    {
        Assert.That(() => AbiType.Parse(text), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidAbi));
    }

    [Test]
    public void Encode_ValueOutOfRange_Throws()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => AbiEncoder.Encode(AbiType.UInt(8), 256), Throws.TypeOf<ChainException>());
            Assert.That(() => AbiEncoder.Encode(AbiType.UInt(8), -1), Throws.TypeOf<ChainException>());
            Assert.That(() => AbiEncoder.Encode(AbiType.Int(8), 128), Throws.TypeOf<ChainException>());
            Assert.That(() => AbiEncoder.Encode(AbiType.FixedBytes(3), new byte[2]), Throws.TypeOf<ChainException>());
        });
    }

    [Test]
    public void Encode_NegativeInt_IsSignExtended()
    {
        var encoded = AbiEncoder.Encode(AbiType.Int(16), -2);

        Assert.That(Hex.Encode(encoded), Is.EqualTo("0x" + new string('f', 63) + "e"));
        Assert.That(AbiDecoder.Decode(AbiType.Int(16), encoded), Is.EqualTo(new BigInteger(-2)));
    }

    [TestCase("uint8", "0x0000000000000000000000000000000000000000000000000000000000000100")]
    [TestCase("bool", "0x0000000000000000000000000000000000000000000000000000000000000002")]
    [TestCase("address", "0x0000000000000000000000010000000000000000000000000000000000000000")]
    [TestCase("bytes1", "0x0001000000000000000000000000000000000000000000000000000000000000")]
    [TestCase("int8", "0x0000000000000000000000000000000000000000000000000000000000000080")]
    [TestCase("bytes", "0x0000000000000000000000000000000000000000000000000000000000000020")]
    [TestCase("bytes", "0x00000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000021")]
    [TestCase("uint256[]", "0x0000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000fffffff")]
    [TestCase("uint256", "0x00")]
    public void Decode_Malformed_ThrowsInvalidAbi(string type, string data)
    {
        var bytes = Hex.Decode(data);

        Assert.That(() => AbiDecoder.Decode(AbiType.Parse(type), bytes), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidAbi));
    }

    [Property(Replay = "8675309,11", MaxTest = 200, Arbitrary = [typeof(AbiArbitraries)])]
    public bool EncodeDecode_RandomTypesAndValues_RoundTrip(AbiSample sample)
    {
        var encoded = AbiEncoder.Encode(sample.Types, sample.Values);
        return encoded.Length % 32 == 0
            && AbiTestValues.Format(AbiDecoder.Decode(sample.Types, encoded)) == AbiTestValues.Format(sample.Values);
    }
}
