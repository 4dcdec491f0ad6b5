using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    private static Eip1559Transaction ToTransaction(JsonObject v) => new()
    {
        ChainId = (ulong)Big(v["chainId"]!),
        Nonce = (ulong)Big(v["nonce"]!),
        MaxPriorityFeePerGas = Big(v["maxPriorityFeePerGas"]!),
        MaxFeePerGas = Big(v["maxFeePerGas"]!),
        GasLimit = (ulong)Big(v["gasLimit"]!),
        To = v["to"] is { } to ? EthAddress.Parse(to.GetValue<string>()) : null,
        Value = Big(v["value"]!),
        Data = Hex.Decode(v.Str("data")),
        AccessList = v["accessList"]!.AsArray().Select(e => new AccessListEntry(
            EthAddress.Parse(e!.Str("address")),
            e!["storageKeys"]!.AsArray().Select(k => Hash32.Parse(k!.GetValue<string>())).ToArray())).ToArray(),
    };

    private static LegacyTransaction LegacyVector(out JsonNode vector)
    {
        vector = EthereumTestData.Load("eip155_legacy_tx.json");
        var tx = vector["tx"]!;
        return new LegacyTransaction
        {
            ChainId = (ulong)Big(vector["chainId"]!),
            Nonce = (ulong)Big(tx["nonce"]!),
            GasPrice = Big(tx["gasPrice"]!),
            GasLimit = (ulong)Big(tx["gasLimit"]!),
            To = EthAddress.Parse(tx.Str("to")),
            Value = Big(tx["value"]!),
            Data = Hex.Decode(tx.Str("data")),
        };
    }

    [TestCaseSource(nameof(Eip1559Vectors))]
    public void Eip1559_SigningPayloadAndHash_MatchVector(JsonObject vector)
    {
        var transaction = ToTransaction(vector);

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(transaction.GetSigningPayload()), Is.EqualTo(vector.Str("signingPayload")));
            Assert.That(transaction.GetSigningHash().ToString(), Is.EqualTo(vector.Str("signingHash")));
        });
    }

    [TestCaseSource(nameof(Eip1559Vectors))]
    public void Eip1559_Sign_GivesRawTransactionAndHash(JsonObject vector)
    {
        using var signer = EthSigner.FromHex(vector.Str("privateKey"));

        var signed = ToTransaction(vector).Sign(signer);

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
        var decoded = EthTransaction.Decode(Hex.Decode(vector.Str("rawTransaction")));

        Assert.Multiple(() =>
        {
            Assert.That(decoded.Transaction, Is.EqualTo(ToTransaction(vector)));
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

        var signed = transaction.Sign(signer);

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(transaction.GetSigningPayload()), Is.EqualTo(vector.Str("signingData")));
            Assert.That(transaction.GetSigningHash().ToString(), Is.EqualTo(vector.Str("signingHash")));
            Assert.That(transaction.GetV(signed.Signature), Is.EqualTo(new BigInteger(vector["v"]!.GetValue<int>())));
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

        var decoded = EthTransaction.Decode(Hex.Decode(vector.Str("signedTx")));

        Assert.Multiple(() =>
        {
            Assert.That(decoded.Transaction, Is.EqualTo(transaction));
            Assert.That(decoded.Transaction.ChainId, Is.EqualTo(1UL));
            Assert.That(decoded.From, Is.EqualTo(EthAddress.Parse(vector.Str("from"))));
        });
    }

    [Test]
    public void GetSigningHash_OtherChainId_Differs()
    {
        var transaction = LegacyVector(out _);

        Assert.That(transaction.GetSigningHash(5), Is.Not.EqualTo(transaction.GetSigningHash()));
    }

    [Test]
    public void Eip1559_ContractCreation_RoundTrips()
    {
        using var signer = EthSigner.Generate();
        var transaction = new Eip1559Transaction
        {
            ChainId = 31337, Nonce = 0, MaxPriorityFeePerGas = 1_000_000_000, MaxFeePerGas = 3_000_000_000, GasLimit = 3_000_000,
            To = null, Value = BigInteger.Zero, Data = new byte[] { 0x60, 0x80, 0x60, 0x40 },
        };

        var signed = transaction.Sign(signer);
        var decoded = EthTransaction.Decode(signed.RawTransaction);

        Assert.Multiple(() =>
        {
            Assert.That(decoded.Transaction, Is.EqualTo(transaction));
            Assert.That(decoded.Transaction.To, Is.Null);
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

        Assert.That(() => EthTransaction.Decode(bytes), Throws.InstanceOf<ChainException>());
    }

    [Test]
    public void Decode_TrailingBytes_Throws()
    {
        var vector = EthereumTestData.Vectors("eip1559_tx.json").First();
        byte[] raw = [.. Hex.Decode(vector.Str("rawTransaction")), 0x00];

        Assert.That(() => EthTransaction.Decode(raw), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidRlp));
    }
}
