using System.Numerics;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Primitives.Abi;

namespace PhalaWorker.Chain.Tests.Primitives.Abi;

public class AbiEventTests
{
    [Test]
    public void Topic_Erc20Transfer_MatchesKnownTopic()
    {
        var transfer = AbiEvent.Parse("event Transfer(address indexed from, address indexed to, uint256 value)");

        Assert.That(transfer.Topic.ToString(), Is.EqualTo("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"));
    }

    [Test]
    public void DecodeLog_IndexedAndData_GivesValuesInParameterOrder()
    {
        var ev = AbiEvent.Parse("NodeRegistered(address indexed node, string indexed endpoint, bytes32 quoteHash, string note)");
        var node = EthAddress.Parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        var quoteHash = Keccak256.HashUtf8("quote");
        var topics = ev.EncodeTopics([node, "https://node"]);
        var data = ev.EncodeData([quoteHash, "hello"]);

        var values = ev.DecodeLogByName(topics, data);

        Assert.Multiple(() =>
        {
            Assert.That(topics, Has.Length.EqualTo(3));
            Assert.That(values["node"], Is.EqualTo(node));
            Assert.That(values["endpoint"], Is.EqualTo(Keccak256.HashUtf8("https://node")));
            Assert.That(values["quoteHash"], Is.EqualTo(quoteHash.ToArray()));
            Assert.That(values["note"], Is.EqualTo("hello"));
        });
    }

    [Test]
    public void DecodeLog_OtherEventTopic_Throws()
    {
        var ev = AbiEvent.Parse("Ping(uint256 indexed n)");
        var other = AbiEvent.Parse("Pong(uint256 indexed n)");

        Assert.That(() => ev.DecodeLog(other.EncodeTopics([BigInteger.One]), []), Throws.TypeOf<ChainException>());
    }

    [Test]
    public void CustomError_EncodeDecodeAndDescribe_RoundTrips()
    {
        var error = AbiError.Parse("error NotOperator(address caller, uint256 code)");
        var caller = EthAddress.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        var data = error.Encode(caller, 7);

        var described = AbiError.TryDescribeRevert(data, [error], out var description);

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(error.Selector), Is.EqualTo(Hex.Encode(Keccak256.HashUtf8("NotOperator(address,uint256)").AsSpan()[..4])));
            Assert.That(described, Is.True);
            Assert.That(description, Is.EqualTo("NotOperator(0x70997970C51812dc3A010C7d01b50e0d17dc79C8, 7)"));
        });
    }

    [Test]
    public void TryDescribeRevert_ErrorStringAndPanic_Described()
    {
        // Error("Not enough Ether provided.") as solc documents it, and Panic(0x11) (arithmetic overflow).
        var errorData = AbiError.ErrorString.Encode("Not enough Ether provided.");
        var panicData = AbiError.Panic.Encode(0x11);

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(errorData.AsSpan(0, 4)), Is.EqualTo("0x08c379a0"));
            Assert.That(AbiError.TryDescribeRevert(errorData, null, out var message), Is.True);
            Assert.That(message, Is.EqualTo("Not enough Ether provided."));
            Assert.That(AbiError.TryDescribeRevert(panicData, null, out var panic), Is.True);
            Assert.That(panic, Is.EqualTo("panic 0x11"));
            Assert.That(AbiError.TryDescribeRevert([], null, out _), Is.False);
        });
    }

    [Test]
    public void AbiContract_ParseSolcJson_FindsMembers()
    {
        const string json = """
            [
              {"type":"constructor","inputs":[{"name":"owner","type":"address"}]},
              {"type":"function","name":"postBatch","stateMutability":"nonpayable",
               "inputs":[{"name":"root","type":"bytes32"},{"name":"items","type":"tuple[]","components":[{"name":"a","type":"uint64"},{"name":"b","type":"bytes"}]}],
               "outputs":[{"name":"","type":"uint256"}]},
              {"type":"event","name":"BatchPosted","anonymous":false,"inputs":[{"name":"node","type":"address","indexed":true},{"name":"root","type":"bytes32","indexed":false}]},
              {"type":"error","name":"Unauthorized","inputs":[{"name":"caller","type":"address"}]}
            ]
            """;

        var contract = AbiContract.Parse(json);

        Assert.Multiple(() =>
        {
            Assert.That(contract.GetFunction("postBatch").Signature, Is.EqualTo("postBatch(bytes32,(uint64,bytes)[])"));
            Assert.That(contract.GetFunction("postBatch").Inputs[1].Type.ElementType!.Components[1].Name, Is.EqualTo("b"));
            Assert.That(contract.GetEvent("BatchPosted").Signature, Is.EqualTo("BatchPosted(address,bytes32)"));
            Assert.That(contract.GetError("Unauthorized").Signature, Is.EqualTo("Unauthorized(address)"));
            Assert.That(contract.ConstructorInputs, Has.Count.EqualTo(1));
        });
    }
}
