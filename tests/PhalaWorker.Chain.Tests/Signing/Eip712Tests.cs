using System.Text.Json.Nodes;
using Nethereum.ABI.EIP712;
using Nethereum.Signer.EIP712;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Tests.Primitives;
using PhalaWorker.Testing;

namespace PhalaWorker.Chain.Tests.Signing;

/// <summary>EIP-712 runs on Nethereum; these vectors check it through our use of it (parse, hash, sign with libsecp256k1).</summary>
public class Eip712Tests
{
    private static JsonNode MailVector => EthereumTestData.Load("eip712_mail.json");

    private static TypedDataRaw Mail() => TypedDataHashing.ParseJson(MailVector.ToJsonString());

    [Test]
    public void Hashes_Mail_MatchVector()
    {
        var hashes = TypedDataHashing.Hashes(Mail());

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(hashes.DomainHash), Is.EqualTo(MailVector.Str("domainSeparator")));
            Assert.That(Hex.Encode(hashes.MessageHash), Is.EqualTo(MailVector.Str("hashStruct_Mail")));
            Assert.That(Hex.Encode(hashes.TypedDataHash), Is.EqualTo(MailVector.Str("digest")));
            Assert.That(TypedDataHashing.Hash(Mail()).ToString(), Is.EqualTo(MailVector.Str("digest")));
        });
    }

    [Test]
    public void Digest_OfSeparatorAndStructHash_EqualsNethereumDigest()
    {
        var hashes = TypedDataHashing.Hashes(Mail());

        Assert.That(TypedDataHashing.Digest(new Hash32(hashes.DomainHash), new Hash32(hashes.MessageHash)), Is.EqualTo(new Hash32(hashes.TypedDataHash)));
    }

    [Test]
    public void Sign_Mail_ReproducesSignatureAndRecoversSigner()
    {
        using var signer = EthSigner.FromHex(MailVector.Str("privateKey"));
        var digest = TypedDataHashing.Hash(Mail());

        var signature = signer.SignHash(digest);

        Assert.Multiple(() =>
        {
            Assert.That(signature.ToHex(), Is.EqualTo(MailVector.Str("signature65")));
            Assert.That(Secp256k1.Recover(digest, signature), Is.EqualTo(EthAddress.Parse(MailVector.Str("signerAddress"))));
        });
    }

    [Test]
    public async Task SignTypedDataV4_ThroughExternalSigner_ReproducesVectorAsync()
    {
        using var signer = EthSigner.FromHex(MailVector.Str("privateKey"));
        var external = new EthSignerExternalSigner(signer);

        var signature = await external.SignTypedDataJsonAsync(MailVector.ToJsonString(), "message").DefaultTimeout();

        Assert.Multiple(() =>
        {
            Assert.That(signature, Is.EqualTo(MailVector.Str("signature65")));
            Assert.That(Eip712TypedDataSigner.Current.RecoverFromSignatureHashV4(Hex.Decode(MailVector.Str("digest")), signature),
                Is.EqualTo(MailVector.Str("signerAddress")).IgnoreCase);
        });
    }

    [Test]
    public void ToJsonThenParse_Mail_SameDigest()
    {
        var json = TypedDataHashing.ToJson(Mail());

        Assert.That(TypedDataHashing.Hash(TypedDataHashing.ParseJson(json)).ToString(), Is.EqualTo(MailVector.Str("digest")));
    }

    [Test]
    public void Hash_NestedStructsAndArrays_HashOfConcatenatedElementEncodings()
    {
        var wallet = "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826";
        var assetId = Keccak256.HashUtf8("a");
        var json = $$$"""
            {"types":{"EIP712Domain":[{"name":"name","type":"string"}],
             "Group":[{"name":"name","type":"string"},{"name":"members","type":"Person[]"},{"name":"owner","type":"Asset"}],
             "Person":[{"name":"name","type":"string"},{"name":"wallets","type":"address[]"},{"name":"assets","type":"Asset[]"}],
             "Asset":[{"name":"id","type":"bytes32"},{"name":"flags","type":"uint8[2]"}]},
             "primaryType":"Group","domain":{"name":"n"},
             "message":{"name":"g","members":[{"name":"Cow","wallets":["{{{wallet}}}","{{{wallet}}}"],"assets":[{"id":"{{{assetId}}}","flags":[1,2]}]}],
                        "owner":{"id":"{{{assetId}}}","flags":[1,2]} } }
            """;

        var hashes = TypedDataHashing.Hashes(TypedDataHashing.ParseJson(json));

        // Recompute by the spec's rules: encodeType lists referenced structs sorted, arrays hash their concatenated encodings.
        static byte[] Word(int v) => [.. new byte[31], (byte)v];
        var assetType = Keccak256.HashUtf8("Asset(bytes32 id,uint8[2] flags)");
        var personType = Keccak256.HashUtf8("Person(string name,address[] wallets,Asset[] assets)Asset(bytes32 id,uint8[2] flags)");
        var groupType = Keccak256.HashUtf8("Group(string name,Person[] members,Asset owner)Asset(bytes32 id,uint8[2] flags)Person(string name,address[] wallets,Asset[] assets)");
        var assetHash = Keccak256.Hash([.. assetType.AsSpan(), .. assetId.AsSpan(), .. Keccak256.Hash([.. Word(1), .. Word(2)]).AsSpan()]);
        byte[] paddedWallet = [.. new byte[12], .. EthAddress.Parse(wallet).AsSpan()];
        var personHash = Keccak256.Hash([.. personType.AsSpan(), .. Keccak256.HashUtf8("Cow").AsSpan(),
            .. Keccak256.Hash([.. paddedWallet, .. paddedWallet]).AsSpan(), .. Keccak256.Hash(assetHash.AsSpan()).AsSpan()]);
        var expected = Keccak256.Hash([.. groupType.AsSpan(), .. Keccak256.HashUtf8("g").AsSpan(),
            .. Keccak256.Hash(personHash.AsSpan()).AsSpan(), .. assetHash.AsSpan()]);
        Assert.That(new Hash32(hashes.MessageHash), Is.EqualTo(expected));
    }

    [TestCase("""{"types":{},"primaryType":"Mail","domain":{},"message":{}}""")]
    [TestCase("""{"types":{"EIP712Domain":[],"A":[{"name":"x","type":"uint8"}]},"primaryType":"A","domain":{},"message":{"x":"zz"}}""")]
    [TestCase("""not json""")]
    public void ParseAndHash_Malformed_ThrowsInvalidTypedData(string json)
    {
        Assert.That(() => TypedDataHashing.Hash(TypedDataHashing.ParseJson(json)), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidTypedData));
    }
}
