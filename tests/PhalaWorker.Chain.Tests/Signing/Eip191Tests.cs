using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using PropertyAttribute = FsCheck.NUnit.PropertyAttribute;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Tests.Primitives;

// FsCheck supplies the arguments of [Property] methods; NUnit.Analyzers does not know that.
#pragma warning disable NUnit1027

namespace PhalaWorker.Chain.Tests.Signing;

/// <summary>EIP-191 hashing runs on Nethereum's <c>EthereumMessageHasher</c>; signing on our libsecp256k1 <see cref="EthSigner"/>.</summary>
public class Eip191Tests
{
    private static IEnumerable<TestCaseData> Vectors() =>
        EthereumTestData.Vectors("eip191_personal_sign.json").Select((v, i) => new TestCaseData(v).SetArgDisplayNames($"[{i}] {v.Str("messageHash")[..10]}"));

    private static IEnumerable<TestCaseData> SignedVectors() =>
        EthereumTestData.Vectors("eip191_personal_sign.json").Where(v => v["signature"] is not null)
            .Select(v => new TestCaseData(v).SetArgDisplayNames(v.Str("address")));

    private static byte[] Message(JsonObject v) =>
        v["message_hex"] is { } hex ? Hex.Decode(hex.GetValue<string>()) : Encoding.UTF8.GetBytes(v.Str("message_utf8"));

    [TestCaseSource(nameof(Vectors))]
    public void HashMessage_Vector_MatchesExpected(JsonObject vector)
    {
        Assert.That(Eip191.HashMessage(Message(vector)).ToString(), Is.EqualTo(vector.Str("messageHash")));
    }

    [TestCaseSource(nameof(SignedVectors))]
    public void SignMessage_Vector_ReproducesSignatureAndRecovers(JsonObject vector)
    {
        using var signer = EthSigner.FromHex(vector.Str("privateKey"));

        var signature = signer.SignMessage(Message(vector));

        Assert.Multiple(() =>
        {
            Assert.That(signature.ToHex(), Is.EqualTo(vector.Str("signature")));
            Assert.That(Eip191.RecoverMessageSigner(Message(vector), Hex.Decode(vector.Str("signature"))),
                Is.EqualTo(EthAddress.Parse(vector.Str("address"))));
        });
    }

    [Test]
    public void HashMessage_String_EqualsUtf8Bytes()
    {
        Assert.That(Eip191.HashMessage("héllo"), Is.EqualTo(Eip191.HashMessage(Encoding.UTF8.GetBytes("héllo"))));
    }

    // The prefix rule written out here (keccak256 of 0x19 ‖ "Ethereum Signed Message:\n" ‖ decimal length ‖ message) as the
    // reference for lengths the vectors do not cover: empty, multi-digit and longer than 255 bytes.
    [Property(MaxTest = 200, Replay = "674386,1")]
    public bool HashMessage_AnyMessage_IsKeccakOfTheDecimalLengthPrefix(byte[] message)
    {
        var header = Encoding.ASCII.GetBytes("\u0019Ethereum Signed Message:\n" + message.Length.ToString(CultureInfo.InvariantCulture));

        return Eip191.HashMessage(message) == Keccak256.Hash([.. header, .. message]);
    }

    [TestCase(0)]
    [TestCase(9)]
    [TestCase(10)]
    [TestCase(1000)]
    public void SignMessage_LengthBoundary_RecoversSignerThroughNethereumHash(int length)
    {
        using var signer = EthSigner.Generate();
        var message = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();

        var signature = signer.SignMessage(message);

        Assert.That(Eip191.RecoverMessageSigner(message, signature.ToBytes65()), Is.EqualTo(signer.Address));
        Assert.That(signature.ToHex(), Is.EqualTo(signer.SignHash(Eip191.HashMessage(message)).ToHex()));
    }
}
