using System.Numerics;
using System.Text.Json.Nodes;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Tests.Primitives;

namespace PhalaWorker.Chain.Tests.Signing;

/// <summary>The verbatim upstream files in tests/testdata/ethereum/src (their normalized forms are tested elsewhere).</summary>
public class UpstreamVectorTests
{
    private static IEnumerable<TestCaseData> KeyAddrVectors() =>
        EthereumTestData.Load("src/keyaddrtest.json").AsArray().Select(n => new TestCaseData(n!.AsObject()).SetArgDisplayNames(n!.Str("seed")));

    private static IEnumerable<TestCaseData> EthereumJsEip1559() =>
        EthereumTestData.Load("src/ethereumjs_eip1559.json").AsArray().Select((n, i) => new TestCaseData(n!.AsObject()).SetArgDisplayNames($"besu[{i}]"));

    [TestCaseSource(nameof(KeyAddrVectors))]
    public void KeyAddrTest_SeedKeyAddress_Consistent(JsonObject vector)
    {
        var key = Hex.Decode(vector.Str("key"));

        Assert.Multiple(() =>
        {
            Assert.That(Keccak256.HashUtf8(vector.Str("seed")).ToArray(), Is.EqualTo(key), "key = keccak256(seed)");
            Assert.That(EthAddress.FromPrivateKey(key).ToLowerHexString(), Is.EqualTo("0x" + vector.Str("addr")));
        });
    }

    [TestCaseSource(nameof(EthereumJsEip1559))]
    public void EthereumJsEip1559_SignedRlpWrapper_ReproducedAndDecoded(JsonObject vector)
    {
        using var signer = EthSigner.FromHex(vector.Str("privateKey"));
        var transaction = EthTransactions.Eip1559(
            4, // the fixture's common (rinkeby), see tests/testdata/ethereum/README.md
            vector["nonce"]!.GetValue<ulong>(),
            vector["maxPriorityFeePerGas"]!.GetValue<ulong>(),
            new BigInteger(vector["maxFeePerGas"]!.GetValue<ulong>()),
            vector["gasLimit"]!.GetValue<ulong>(),
            EthAddress.Parse(vector.Str("to")),
            vector["value"]!.GetValue<ulong>(),
            []);

        var signed = EthTransactions.Sign(signer, transaction);
        var wrapped = Hex.Decode(vector.Str("signedTransactionRLP"));
        var unwrapped = (byte[])Nethereum.RLP.RLP.Decode(wrapped).RLPData;

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(Nethereum.RLP.RLP.EncodeElement(signed.RawTransaction)), Is.EqualTo(vector.Str("signedTransactionRLP")));
            Assert.That(EthTransactions.Decode(unwrapped).From, Is.EqualTo(signer.Address));
        });
    }
}
