using System.Text.Json.Nodes;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Tests.Receipts;

public class JobReceiptTypedDataTests
{
    private const ulong ChainId = 31337;
    private static readonly EthAddress s_registry = EthAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");

    private static JobReceiptData Receipt() => new(
        JobId: Keccak256.HashUtf8("job-1"),
        ModelHash: Keccak256.HashUtf8("model"),
        InputHash: Keccak256.HashUtf8("input"),
        OutputHash: Keccak256.HashUtf8("output"),
        QuoteHash: Keccak256.HashUtf8("quote"),
        FinishedAt: 1_790_000_000,
        Backend: "cpu");

    [Test]
    public void TypeString_MatchesGenericEncodeType()
    {
        Assert.Multiple(() =>
        {
            Assert.That(JobReceiptTypedData.TypeHash, Is.EqualTo(new Hash32(Keccak256.HashUtf8(string.Concat(JobReceiptTypedData.PrimaryType, "(",
                string.Join(',', JobReceiptTypedData.Types[JobReceiptTypedData.PrimaryType].Select(m => m.Type + " " + m.Name)), ")")).ToArray())));
            Assert.That(JobReceiptTypedData.TypeString,
                Is.EqualTo("JobReceipt(bytes32 jobId,bytes32 modelHash,bytes32 inputHash,bytes32 outputHash,bytes32 quoteHash,uint64 finishedAt,string backend)"));
        });
    }

    [Test]
    public void Digest_FastPath_EqualsGenericEip712()
    {
        var receipt = Receipt();

        var generic = TypedDataHashing.Hashes(JobReceiptTypedData.ToTypedData(receipt, ChainId, s_registry));

        Assert.Multiple(() =>
        {
            Assert.That(JobReceiptTypedData.Digest(receipt, ChainId, s_registry), Is.EqualTo(new Hash32(generic.TypedDataHash)));
            Assert.That(JobReceiptTypedData.DomainSeparator(ChainId, s_registry), Is.EqualTo(new Hash32(generic.DomainHash)));
            Assert.That(JobReceiptTypedData.HashStruct(receipt), Is.EqualTo(new Hash32(generic.MessageHash)));
        });
    }

    [Test]
    public void SignToJsonParseRecover_GivesNodeAddress()
    {
        using var node = EthSigner.Generate();
        var receipt = Receipt();
        var signature = JobReceiptTypedData.Sign(node, receipt, ChainId, s_registry);

        var json = JobReceiptTypedData.ToJson(receipt, ChainId, s_registry, signature);
        var parsed = JobReceiptTypedData.ParseJson(json);

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Receipt, Is.EqualTo(receipt));
            Assert.That(parsed.ChainId, Is.EqualTo(ChainId));
            Assert.That(parsed.Registry, Is.EqualTo(s_registry));
            Assert.That(parsed.RecoverSigner(), Is.EqualTo(node.Address));
            Assert.That(parsed.IsSignedBy(node.Address), Is.True);
            Assert.That(signature[64], Is.AnyOf((byte)27, (byte)28));
            Assert.That(TypedDataHashing.Hash(TypedDataHashing.ParseJson(json)), Is.EqualTo(parsed.Digest), "any EIP-712 tool computes the same digest from the JSON");
        });
    }

    [TestCase("message", "backend", "cuda")]
    [TestCase("message", "finishedAt", 1790000001)]
    [TestCase("message", "outputHash", "0x0000000000000000000000000000000000000000000000000000000000000001")]
    [TestCase("domain", "chainId", 1)]
    [TestCase("domain", "verifyingContract", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")]
    public void ParseJson_TamperedField_DoesNotVerify(string section, string field, object value)
    {
        using var node = EthSigner.Generate();
        var receipt = Receipt();
        var json = JsonNode.Parse(JobReceiptTypedData.ToJson(receipt, ChainId, s_registry, JobReceiptTypedData.Sign(node, receipt, ChainId, s_registry)))!;
        json[section]![field] = JsonValue.Create(value);

        var parsed = JobReceiptTypedData.ParseJson(json.ToJsonString());

        Assert.Multiple(() =>
        {
            Assert.That(parsed.IsSignedBy(node.Address), Is.False);
            Assert.That(parsed.RecoverSigner(), Is.Not.EqualTo(node.Address));
        });
    }

    [TestCase("primaryType", "Mail")]
    [TestCase("signature", "0x1234")]
    public void ParseJson_NotAReceipt_ThrowsInvalidTypedData(string member, string value)
    {
        using var node = EthSigner.Generate();
        var receipt = Receipt();
        var json = JsonNode.Parse(JobReceiptTypedData.ToJson(receipt, ChainId, s_registry, JobReceiptTypedData.Sign(node, receipt, ChainId, s_registry)))!;
        json[member] = value;

        Assert.That(() => JobReceiptTypedData.ParseJson(json.ToJsonString()), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidTypedData));
    }

    [Test]
    public void ParseJson_TypeDefinitionChanged_Throws()
    {
        using var node = EthSigner.Generate();
        var receipt = Receipt();
        var json = JsonNode.Parse(JobReceiptTypedData.ToJson(receipt, ChainId, s_registry, JobReceiptTypedData.Sign(node, receipt, ChainId, s_registry)))!;
        json["types"]!["JobReceipt"]![5]!["type"] = "uint256";

        Assert.That(() => JobReceiptTypedData.ParseJson(json.ToJsonString()), Throws.TypeOf<ChainException>());
    }

    [Test]
    public void Verify_WrongSignerOrGarbage_False()
    {
        using var node = EthSigner.Generate();
        using var other = EthSigner.Generate();
        var receipt = Receipt();
        var signature = JobReceiptTypedData.Sign(node, receipt, ChainId, s_registry);

        Assert.Multiple(() =>
        {
            Assert.That(JobReceiptTypedData.Verify(receipt, ChainId, s_registry, signature, other.Address), Is.False);
            Assert.That(JobReceiptTypedData.Verify(receipt, ChainId, s_registry, new byte[65], node.Address), Is.False);
            Assert.That(JobReceiptTypedData.Verify(receipt, ChainId, s_registry, signature.AsSpan(0, 64), node.Address), Is.False);
            Assert.That(JobReceiptTypedData.Verify(receipt, ChainId, s_registry, signature, node.Address), Is.True);
        });
    }
}
