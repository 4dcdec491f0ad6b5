using System.Text;
using System.Text.Json.Nodes;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Tests.Primitives;

namespace PhalaWorker.Chain.Tests.Signing;

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
}
