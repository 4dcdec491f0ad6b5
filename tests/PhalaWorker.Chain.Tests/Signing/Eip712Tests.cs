using System.Numerics;
using System.Text.Json.Nodes;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Abi;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Tests.Primitives;

namespace PhalaWorker.Chain.Tests.Signing;

public class Eip712Tests
{
    private static JsonNode MailVector => EthereumTestData.Load("eip712_mail.json");

    private static TypedData Mail() => TypedDataJson.Parse(MailVector.ToJsonString());

    [Test]
    public void EncodeType_Mail_ReferencedTypesAppended()
    {
        var mail = Mail();

        Assert.Multiple(() =>
        {
            Assert.That(Eip712.EncodeType("Mail", mail.Types), Is.EqualTo(MailVector.Str("encodeType_Mail")));
            Assert.That(Eip712.HashType("Mail", mail.Types).ToString(), Is.EqualTo(MailVector.Str("typeHash_Mail")));
        });
    }

    [Test]
    public void EncodeDataAndHashStruct_Mail_MatchVector()
    {
        var mail = Mail();

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(Eip712.EncodeData("Mail", mail.Message, mail.Types)), Is.EqualTo(MailVector.Str("encodeData_Mail")));
            Assert.That(Eip712.HashStruct("Mail", mail.Message, mail.Types).ToString(), Is.EqualTo(MailVector.Str("hashStruct_Mail")));
        });
    }

    [Test]
    public void DomainSeparatorAndDigest_Mail_MatchVector()
    {
        var mail = Mail();

        Assert.Multiple(() =>
        {
            Assert.That(Eip712.HashDomain(mail.Domain).ToString(), Is.EqualTo(MailVector.Str("domainSeparator")));
            Assert.That(mail.Hash().ToString(), Is.EqualTo(MailVector.Str("digest")));
        });
    }

    [Test]
    public void Sign_Mail_ReproducesSignatureAndRecoversSigner()
    {
        using var signer = EthSigner.FromHex(MailVector.Str("privateKey"));
        var digest = Mail().Hash();

        var signature = signer.SignHash(digest);

        Assert.Multiple(() =>
        {
            Assert.That(signature.ToHex(), Is.EqualTo(MailVector.Str("signature65")));
            Assert.That(Secp256k1.Recover(digest, signature), Is.EqualTo(EthAddress.Parse(MailVector.Str("signerAddress"))));
        });
    }

    [Test]
    public void WriteThenParse_Mail_SameDigestAndSignature()
    {
        var mail = Mail();
        var signature = Hex.Decode(MailVector.Str("signature65"));

        var json = TypedDataJson.Write(mail, signature);
        var parsed = TypedDataJson.Parse(json, out var parsedSignature);

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Hash(), Is.EqualTo(mail.Hash()));
            Assert.That(parsedSignature, Is.EqualTo(signature));
            Assert.That(JsonNode.Parse(json)!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "domain", "types", "primaryType", "message", "signature" }));
        });
    }

    [Test]
    public void EncodeType_NestedStructsAndArrays_SortsDependencies()
    {
        var types = GroupTypes();

        Assert.That(Eip712.EncodeType("Group", types),
            Is.EqualTo("Group(string name,Person[] members,Asset owner)Asset(bytes32 id,uint8[2] flags)Person(string name,address[] wallets,Asset[] assets)"));
    }

    [Test]
    public void HashStruct_Arrays_HashOfConcatenatedElementEncodings()
    {
        var types = GroupTypes();
        var wallet = EthAddress.Parse("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");
        var asset = new Dictionary<string, object?> { ["id"] = Keccak256.HashUtf8("a"), ["flags"] = new[] { 1, 2 } };
        var person = new Dictionary<string, object?> { ["name"] = "Cow", ["wallets"] = new[] { wallet, wallet }, ["assets"] = new[] { asset } };
        var group = new Dictionary<string, object?> { ["name"] = "g", ["members"] = new[] { person }, ["owner"] = asset };

        var hash = Eip712.HashStruct("Group", group, types);

        // Recompute by the spec's rules with our primitives: arrays are keccak256 of the concatenated encoded elements.
        var word = (BigInteger v) => AbiEncoder.Encode(AbiType.UInt256, v);
        var assetHash = Keccak256.Hash([.. Eip712.HashType("Asset", types).AsSpan(), .. Keccak256.HashUtf8("a").AsSpan(), .. Keccak256.Hash([.. word(1), .. word(2)]).AsSpan()]);
        byte[] paddedWallet = [.. new byte[12], .. wallet.AsSpan()];
        var personHash = Keccak256.Hash([.. Eip712.HashType("Person", types).AsSpan(), .. Keccak256.HashUtf8("Cow").AsSpan(),
            .. Keccak256.Hash([.. paddedWallet, .. paddedWallet]).AsSpan(), .. Keccak256.Hash(assetHash.AsSpan()).AsSpan()]);
        var expected = Keccak256.Hash([.. Eip712.HashType("Group", types).AsSpan(), .. Keccak256.HashUtf8("g").AsSpan(),
            .. Keccak256.Hash(personHash.AsSpan()).AsSpan(), .. assetHash.AsSpan()]);
        Assert.That(hash, Is.EqualTo(expected));
    }

    [Test]
    public void HashTypedData_MissingField_ThrowsInvalidTypedData()
    {
        var mail = Mail();
        var message = mail.Message.Where(p => p.Key != "contents").ToDictionary();

        Assert.That(() => (mail with { Message = message }).Hash(), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidTypedData));
    }

    [TestCase("""{"types":{},"primaryType":"Mail","domain":{},"message":{}}""")]
    [TestCase("""{"types":{"A":[{"name":"x","type":"uint8"}]},"primaryType":"A","domain":{},"message":{"x":"zz"}}""")]
    [TestCase("""not json""")]
    public void Parse_Malformed_ThrowsInvalidTypedData(string json)
    {
        Assert.That(() => TypedDataJson.Parse(json).Hash(), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidTypedData));
    }

    [Test]
    public void HashTypedData_ValueOutOfRange_ThrowsInvalidTypedData()
    {
        const string json = """{"types":{"A":[{"name":"x","type":"uint8"}]},"primaryType":"A","domain":{"name":"n"},"message":{"x":256}}""";

        Assert.That(() => TypedDataJson.Parse(json).Hash(), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidTypedData));
    }

    private static Dictionary<string, IReadOnlyList<TypedDataField>> GroupTypes() => new()
    {
        ["Group"] = [new("name", "string"), new("members", "Person[]"), new("owner", "Asset")],
        ["Person"] = [new("name", "string"), new("wallets", "address[]"), new("assets", "Asset[]")],
        ["Asset"] = [new("id", "bytes32"), new("flags", "uint8[2]")],
    };
}
