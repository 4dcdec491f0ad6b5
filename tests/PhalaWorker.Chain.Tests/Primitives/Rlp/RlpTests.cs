using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Rlp;
using PropertyAttribute = FsCheck.NUnit.PropertyAttribute;

// FsCheck supplies the arguments of [Property] methods; NUnit.Analyzers does not know that.
#pragma warning disable NUnit1027

namespace PhalaWorker.Chain.Tests.Primitives.Rlp;

public class RlpTests
{
    private static IEnumerable<TestCaseData> ValidVectors() =>
        EthereumTestData.Load("src/rlptest.json").AsObject()
            .Select(p => new TestCaseData(p.Value!["in"]?.DeepClone(), p.Value!.Str("out")).SetArgDisplayNames(p.Key));

    private static IEnumerable<TestCaseData> InvalidVectors() =>
        EthereumTestData.Load("src/invalidRLPTest.json").AsObject()
            .Select(p => new TestCaseData(p.Value!.Str("out")).SetArgDisplayNames(p.Key));

    [TestCaseSource(nameof(ValidVectors))]
    public void Encode_ValidVector_MatchesExpected(JsonNode? input, string expected)
    {
        var writer = new RlpWriter();
        Write(writer, input);

        Assert.That(Hex.Encode(writer.ToArray()), Is.EqualTo(expected.ToLowerInvariant()));
    }

    [TestCaseSource(nameof(ValidVectors))]
    public void Decode_ValidVector_RoundTrips(JsonNode? input, string expected)
    {
        var encoded = Hex.Decode(expected);

        var item = RlpItem.Decode(encoded);

        Assert.That(item.Encode(), Is.EqualTo(encoded));
        Assert.That(item, Is.EqualTo(ToItem(input)));
    }

    [TestCaseSource(nameof(InvalidVectors))]
    public void Decode_InvalidVector_ThrowsInvalidRlp(string encoded)
    {
        var bytes = Hex.Decode(encoded);

        Assert.That(() => RlpItem.Decode(bytes), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidRlp));
    }

    [TestCase("0x80", 0UL)]
    [TestCase("0x7f", 127UL)]
    [TestCase("0x8180", 128UL)]
    [TestCase("0x88ffffffffffffffff", ulong.MaxValue)]
    public void ReadUInt64_Canonical_Reads(string encoded, ulong expected)
    {
        var reader = new RlpReader(Hex.Decode(encoded));

        Assert.That(reader.ReadUInt64(), Is.EqualTo(expected));
    }

    [TestCase("0x00")]
    [TestCase("0x820001")]
    [TestCase("0x89010000000000000000")]
    [TestCase("0xc0")]
    public void ReadUInt64_NonCanonicalOrTooLarge_Throws(string encoded)
    {
        var bytes = Hex.Decode(encoded);

        Assert.That(() => new RlpReader(bytes).ReadUInt64(), Throws.TypeOf<ChainException>());
    }

    [Test]
    public void Decode_TrailingBytes_Throws()
    {
        Assert.That(() => RlpItem.Decode([0x80, 0x80]), Throws.TypeOf<ChainException>().With.Message.Contains("trailing"));
    }

    [Test]
    public void EndList_WithoutStart_Throws()
    {
        Assert.That(() => new RlpWriter().EndList(), Throws.InvalidOperationException);
    }

    [Property(Replay = "20260101,97", MaxTest = 300, Arbitrary = [typeof(RlpArbitraries)])]
    public bool EncodeDecode_RandomTree_RoundTrips(RlpTree tree)
    {
        var encoded = tree.Item.Encode();
        return RlpItem.Decode(encoded).Equals(tree.Item);
    }

    [Property(Replay = "31337,1", MaxTest = 300)]
    public bool WriteBigInteger_ReadBack_SameValue(ulong a, ulong b, ulong c, ulong d)
    {
        var value = (new BigInteger(a) << 192) | (new BigInteger(b) << 128) | (new BigInteger(c) << 64) | d;
        var encoded = new RlpWriter().WriteBigInteger(value).ToArray();
        return new RlpReader(encoded).ReadBigInteger() == value;
    }

    private static void Write(RlpWriter writer, JsonNode? input)
    {
        switch (input)
        {
            case JsonArray array:
                writer.StartList();
                foreach (var child in array)
                {
                    Write(writer, child);
                }

                writer.EndList();
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                writer.WriteUInt64(value.GetValue<ulong>());
                break;
            case JsonValue value when value.GetValue<string>() is ['#', .. var digits]:
                writer.WriteBigInteger(BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteBytes(Encoding.UTF8.GetBytes(input!.GetValue<string>()));
                break;
        }
    }

    private static RlpItem ToItem(JsonNode? input)
    {
        var writer = new RlpWriter();
        Write(writer, input);
        return RlpItem.Decode(writer.ToArray());
    }
}
