using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nethereum.Model;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Tests.Primitives;

namespace PhalaWorker.Chain.Tests.Signing;

public class TransactionTests
{
    private static IEnumerable<TestCaseData> Eip1559Vectors() =>
        EthereumTestData.Vectors("eip1559_tx.json").Select((v, i) => new TestCaseData(v).SetArgDisplayNames($"eip1559[{i}] {v.Str("txHash")[..10]}"));

    private static BigInteger Big(JsonNode node) =>
        node.GetValueKind() == JsonValueKind.Number ? BigInteger.Parse(node.ToJsonString(), CultureInfo.InvariantCulture)
            : node.GetValue<string>() is var s && s.StartsWith("0x", StringComparison.Ordinal)
                ? BigInteger.Parse("0" + s[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : BigInteger.Parse(s, CultureInfo.InvariantCulture);

    private static Transaction1559 ToTransaction(JsonObject v) => new(
        Big(v["chainId"]!),
        Big(v["nonce"]!),
        Big(v["maxPriorityFeePerGas"]!),
        Big(v["maxFeePerGas"]!),
        Big(v["gasLimit"]!),
        v["to"] is { } to ? to.GetValue<string>() : string.Empty,
        Big(v["value"]!),
        v.Str("data"),
        [.. v["accessList"]!.AsArray().Select(e => new AccessListItem(
            e!.Str("address"),
            [.. e!["storageKeys"]!.AsArray().Select(k => Hex.Decode(k!.GetValue<string>()))]))]);

    private static LegacyTransactionChainId LegacyVector(out JsonNode vector)
    {
        vector = EthereumTestData.Load("eip155_legacy_tx.json");
        var tx = vector["tx"]!;
        return new LegacyTransactionChainId(
            tx.Str("to"), Big(tx["value"]!), Big(tx["nonce"]!), Big(tx["gasPrice"]!), Big(tx["gasLimit"]!), tx.Str("data"), Big(vector["chainId"]!));
    }

    private static string Fields(ISignedTransaction transaction) => Hex.Encode(transaction.GetRLPEncodedRaw());

    [TestCaseSource(nameof(Eip1559Vectors))]
    public void Eip1559_SigningPayloadAndHash_MatchVector(JsonObject vector)
    {
        var transaction = ToTransaction(vector);

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(transaction.GetRLPEncodedRaw()), Is.EqualTo(vector.Str("signingPayload")));
            Assert.That(Keccak256.Hash(transaction.GetRLPEncodedRaw()).ToString(), Is.EqualTo(vector.Str("signingHash")));
        });
    }

    [TestCaseSource(nameof(Eip1559Vectors))]
    public void Eip1559_Sign_GivesRawTransactionAndHash(JsonObject vector)
    {
        using var signer = EthSigner.FromHex(vector.Str("privateKey"));

        var signed = EthTransactions.Sign(signer, ToTransaction(vector));

        Assert.Multiple(() =>
        {
            Assert.That(signed.ToHex(), Is.EqualTo(vector.Str("rawTransaction")));
            Assert.That(signed.Hash.ToString(), Is.EqualTo(vector.Str("txHash")));
            Assert.That(signed.From, Is.EqualTo(EthAddress.Parse(vector.Str("from"))));
        });
    }

    [TestCaseSource(nameof(Eip1559Vectors))]
    public void Eip1559_Decode_RecoversFieldsAndSender(JsonObject vector)
    {
        var decoded = EthTransactions.Decode(Hex.Decode(vector.Str("rawTransaction")));

        Assert.Multiple(() =>
        {
            Assert.That(Fields(decoded.Transaction), Is.EqualTo(Fields(ToTransaction(vector))));
            Assert.That(decoded.From, Is.EqualTo(EthAddress.Parse(vector.Str("from"))));
            Assert.That(decoded.Hash.ToString(), Is.EqualTo(vector.Str("txHash")));
            Assert.That(decoded.Signature.RecoveryId, Is.EqualTo(vector["yParity"]!.GetValue<int>()));
        });
    }

    [Test]
    public void Legacy_Eip155Example_MatchesEveryField()
    {
        var transaction = LegacyVector(out var vector);
        using var signer = EthSigner.FromHex(vector.Str("privateKey"));

        var signed = EthTransactions.Sign(signer, transaction);

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(transaction.GetRLPEncodedRaw()), Is.EqualTo(vector.Str("signingData")));
            Assert.That(Keccak256.Hash(transaction.GetRLPEncodedRaw()).ToString(), Is.EqualTo(vector.Str("signingHash")));
            Assert.That(new BigInteger(transaction.Signature.V, isUnsigned: true, isBigEndian: true), Is.EqualTo(new BigInteger(vector["v"]!.GetValue<int>())));
            Assert.That(new BigInteger(signed.Signature.R, isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture), Is.EqualTo(vector.Str("r")));
            Assert.That(new BigInteger(signed.Signature.S, isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture), Is.EqualTo(vector.Str("s")));
            Assert.That(signed.ToHex(), Is.EqualTo(vector.Str("signedTx")));
            Assert.That(signed.Hash.ToString(), Is.EqualTo(vector.Str("txHash")));
            Assert.That(signed.From, Is.EqualTo(EthAddress.Parse(vector.Str("from"))));
        });
    }

    [Test]
    public void Legacy_Decode_RecoversChainIdAndSender()
    {
        var transaction = LegacyVector(out var vector);

        var decoded = EthTransactions.Decode(Hex.Decode(vector.Str("signedTx")));

        Assert.Multiple(() =>
        {
            Assert.That(Fields(decoded.Transaction), Is.EqualTo(Fields(transaction)));
            Assert.That(((LegacyTransactionChainId)decoded.Transaction).GetChainIdAsBigInteger(), Is.EqualTo(BigInteger.One));
            Assert.That(decoded.From, Is.EqualTo(EthAddress.Parse(vector.Str("from"))));
        });
    }

    [Test]
    public void SigningHash_OtherChainId_Differs()
    {
        var transaction = LegacyVector(out _);
        var tx = EthereumTestData.Load("eip155_legacy_tx.json")["tx"]!;
        var otherChain = new LegacyTransactionChainId(
            tx.Str("to"), Big(tx["value"]!), Big(tx["nonce"]!), Big(tx["gasPrice"]!), Big(tx["gasLimit"]!), tx.Str("data"), 5);

        Assert.That(Keccak256.Hash(otherChain.GetRLPEncodedRaw()), Is.Not.EqualTo(Keccak256.Hash(transaction.GetRLPEncodedRaw())));
    }

    [Test]
    public void Eip1559_ContractCreation_RoundTrips()
    {
        using var signer = EthSigner.Generate();
        var transaction = EthTransactions.Eip1559(31337, 0, 1_000_000_000, 3_000_000_000, 3_000_000, null, BigInteger.Zero, [0x60, 0x80, 0x60, 0x40]);

        var signed = EthTransactions.Sign(signer, transaction);
        var decoded = EthTransactions.Decode(signed.RawTransaction);

        Assert.Multiple(() =>
        {
            Assert.That(Fields(decoded.Transaction), Is.EqualTo(Fields(transaction)));
            Assert.That(((Transaction1559)decoded.Transaction).ReceiverAddress, Is.Null.Or.Empty.Or.EqualTo("0x"));
            Assert.That(decoded.From, Is.EqualTo(signer.Address));
            Assert.That(decoded.Hash, Is.EqualTo(signed.Hash));
        });
    }

    [TestCase("0x")]
    [TestCase("0x01c0")]
    [TestCase("0x02c0")]
    [TestCase("0x02")]
    public void Decode_Malformed_ThrowsChainException(string raw)
    {
        var bytes = Hex.Decode(raw);

        Assert.That(() => EthTransactions.Decode(bytes), Throws.InstanceOf<ChainException>());
    }

    [Test]
    public void Decode_TrailingBytes_Throws()
    {
        var vector = EthereumTestData.Vectors("eip1559_tx.json").First();
        byte[] raw = [.. Hex.Decode(vector.Str("rawTransaction")), 0x00];

        Assert.That(() => EthTransactions.Decode(raw), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidRlp));
    }
}
