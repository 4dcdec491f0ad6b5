using System.Text;
using System.Text.Json.Nodes;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Tests.Primitives;

public class Keccak256Tests
{
    private static IEnumerable<TestCaseData> Vectors() =>
        EthereumTestData.Vectors("keccak256.json").Select((v, i) =>
            new TestCaseData(v).SetArgDisplayNames($"{i}:{(string?)v["input_utf8"] ?? (string?)v["input_hex"]}"));

    [TestCaseSource(nameof(Vectors))]
    public void Hash_Vector_MatchesExpected(JsonObject vector)
    {
        var input = vector["input_hex"] is { } hex ? Hex.Decode(hex.GetValue<string>()) : Encoding.UTF8.GetBytes(vector.Str("input_utf8"));

        var hash = Keccak256.Hash(input);

        if (vector["keccak256"] is { } full)
        {
            Assert.That(hash.ToString(), Is.EqualTo(full.GetValue<string>()));
        }
        else
        {
            Assert.That(Hex.Encode(hash.AsSpan()[..4]), Is.EqualTo(vector.Str("keccak256_first4")));
        }
    }

    [Test]
    public void Hash_TwoSpans_EqualsHashOfConcatenation()
    {
        var a = Encoding.ASCII.GetBytes("hello ");
        var b = Encoding.ASCII.GetBytes("world");

        Assert.That(Keccak256.Hash(a, b), Is.EqualTo(Keccak256.Hash([.. a, .. b])));
    }

    [Test]
    public void Incremental_ManyPieces_EqualsOneShot()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var hasher = Keccak256.CreateIncremental();
        for (var i = 0; i < data.Length; i += 77)
        {
            hasher.Append(data.AsSpan(i, Math.Min(77, data.Length - i)));
        }

        Assert.That(hasher.GetHash(), Is.EqualTo(Keccak256.Hash(data)));
    }

    [Test]
    public void Hash_Empty_IsNotSha3()
    {
        // SHA3-256("") = a7ffc6f8...; Keccak-256("") = c5d24601...
        Assert.That(Keccak256.Hash([]).ToString(), Does.StartWith("0xc5d24601"));
    }
}
