using System.Numerics;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Nethereum.ABI;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.ABI.Model;
using Nethereum.Contracts;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Tests.Contracts;

/// <summary>
/// The typed contract messages against the committed solc ABI (no drift either way: the expected signatures, selectors and
/// topics are computed here from the ABI JSON, not by Nethereum), and the codec's strictness on malformed data.
/// </summary>
public sealed class NodeRegistryCodecTests
{
    private static readonly JsonArray s_abi = JsonNode.Parse(NodeRegistryContract.AbiJson)!.AsArray();

    private static IEnumerable<JsonObject> Entries(string type) =>
        s_abi.Select(e => e!.AsObject()).Where(e => e["type"]!.GetValue<string>() == type);

    // Canonical type of an ABI JSON parameter: tuples expanded to their components, array suffixes kept.
    private static string Canonical(JsonNode parameter)
    {
        var type = parameter["type"]!.GetValue<string>();
        return type.StartsWith("tuple", StringComparison.Ordinal)
            ? "(" + string.Join(",", parameter["components"]!.AsArray().Select(c => Canonical(c!))) + ")" + type["tuple".Length..]
            : type;
    }

    private static string Signature(JsonObject entry) =>
        entry["name"]!.GetValue<string>() + "(" + string.Join(",", entry["inputs"]!.AsArray().Select(p => Canonical(p!))) + ")";

    private static string Keccak(string signature) => Keccak256.Hash(Encoding.ASCII.GetBytes(signature)).ToString()[2..];

    private static string Canonical(Parameter parameter) => parameter.ABIType switch
    {
        TupleType t => "(" + string.Join(",", t.Components.Select(Canonical)) + ")",
        _ => parameter.ABIType.CanonicalName,
    };

    [Test]
    public void Functions_TypedMessagesAndAbi_DeclareTheSameFunctionsSelectorsAndOutputs()
    {
        var expected = Entries("function").ToDictionary(
            Signature,
            f => (Selector: Keccak(Signature(f))[..8], Outputs: string.Join(",", f["outputs"]!.AsArray().Select(o => Canonical(o!)))));
        var typed = NodeRegistryCodec.Functions.Select(ABITypedRegistry.GetFunctionABI).ToDictionary(
            f => f.Signature,
            f => (Selector: f.Sha3Signature, Outputs: string.Join(",", (f.OutputParameters ?? []).Select(Canonical))));

        Assert.Multiple(() =>
        {
            Assert.That(typed.Keys.Except(expected.Keys), Is.Empty, "typed messages of functions the ABI does not have");
            Assert.That(expected.Keys.Except(typed.Keys), Is.Empty, "ABI functions without a typed message");
            foreach (var (signature, value) in expected.Where(e => typed.ContainsKey(e.Key)))
            {
                Assert.That(typed[signature], Is.EqualTo(value), signature);
            }
        });
    }

    [Test]
    public void Events_TypedDtosAndAbi_DeclareTheSameEventsTopicsAndIndexing()
    {
        var expected = Entries("event").ToDictionary(
            Signature,
            e => (Topic: Keccak(Signature(e)), Indexed: string.Join(",", e["inputs"]!.AsArray().Select(p => p!["indexed"]!.GetValue<bool>()))));
        var typed = NodeRegistryCodec.Events.Select(e => e.Abi).ToDictionary(
            e => e.Signature,
            e => (Topic: e.Sha3Signature, Indexed: string.Join(",", e.InputParameters.OrderBy(p => p.Order).Select(p => p.Indexed))));

        Assert.Multiple(() =>
        {
            Assert.That(typed.Keys.Except(expected.Keys), Is.Empty, "typed DTOs of events the ABI does not have");
            Assert.That(expected.Keys.Except(typed.Keys), Is.Empty, "ABI events without a typed DTO");
            foreach (var (signature, value) in expected.Where(e => typed.ContainsKey(e.Key)))
            {
                Assert.That(typed[signature], Is.EqualTo(value), signature);
            }
        });
    }

    [Test]
    public void Errors_TypedDtosAndAbi_DeclareTheSameErrorsAndSelectors()
    {
        var expected = Entries("error").ToDictionary(Signature, e => Keccak(Signature(e))[..8]);
        var typed = NodeRegistryCodec.Errors.Select(e => e.Abi).ToDictionary(e => e.Signature, e => e.Sha3Signature[..8]);

        Assert.That(typed, Is.EquivalentTo(expected));
    }

    [Test]
    public void Errors_EachTypedError_NamesItsOwnEnumMember_AndEveryMemberHasOne()
    {
        var names = NodeRegistryCodec.Errors.Select(e => (Abi: e.Abi.Name, Enum: ((NodeRegistryCustomError)Activator.CreateInstance(e.Type)!).Error.ToString())).ToList();
        var members = Enum.GetNames<NodeRegistryError>().Where(n => n != nameof(NodeRegistryError.Unknown));

        Assert.That(names.Where(n => n.Abi != n.Enum), Is.Empty);
        Assert.That(names.Select(n => n.Enum), Is.EquivalentTo(members));
    }

    [Test]
    public void ContractDefinition_EveryTypedClass_IsBound()
    {
        var functions = NodeRegistryCodec.Functions;
        var outputs = functions.Select(f => f.GetCustomAttribute<FunctionAttribute>()!.DTOReturnType).OfType<Type>();
        var bound = functions.Concat(outputs).Concat(NodeRegistryCodec.Events.Select(e => e.Type)).Concat(NodeRegistryCodec.Errors.Select(e => e.Type)).ToHashSet();
        var declared = typeof(NodeRegistryCodec).Assembly.GetTypes().Where(t =>
            t.GetCustomAttribute<FunctionAttribute>() is not null || t.GetCustomAttribute<FunctionOutputAttribute>() is not null ||
            t.GetCustomAttribute<EventAttribute>() is not null || t.GetCustomAttribute<ErrorAttribute>() is not null);

        Assert.That(declared.Where(t => !bound.Contains(t)).Select(t => t.Name), Is.Empty, "typed classes the codec does not bind (so the drift tests do not see them)");
    }

    // The typed messages encode exactly what Nethereum's encoder makes from the committed ABI by name (the previous path):
    // identical calldata, hence identical gas.
    [Test]
    public void Encode_TypedMessages_EqualAbiDrivenEncodingOfTheCommittedAbi()
    {
        var abi = new Nethereum.ABI.ABIDeserialisation.ABIJsonDeserialiser().DeserialiseContract(NodeRegistryContract.AbiJson);
        string ByName(string name, params object[] values)
        {
            var f = abi.Functions.Single(x => x.Name == name);
            return new FunctionCallEncoder().EncodeRequest(f.Sha3Signature, f.InputParameters, values);
        }

        var node = "0x" + new string('1', 40);
        var h = Enumerable.Range(0, 6).Select(i => Keccak256.HashUtf8("h" + i).ToArray()).ToArray();
        var signature = Enumerable.Range(0, 65).Select(i => (byte)i).ToArray();
        var profile = new MeasurementProfileEntry("p", new byte[48], new byte[48], new byte[48], new byte[48], Keccak256.HashUtf8("agent"), [new("b", "2"), new("a", "1")]);
        var cases = new (string Name, byte[] Typed, string Expected)[]
        {
            ("getNode", NodeRegistryCodec.Encode(new GetNodeFunction { Node = node }), ByName("getNode", node)),
            ("postBatch", NodeRegistryCodec.Encode(new PostBatchFunction { Node = node, Root = h[0], Count = 1024, NodeSignature = signature }),
                ByName("postBatch", node, h[0], new BigInteger(1024), signature)),
            ("heartbeat", NodeRegistryCodec.Encode(new HeartbeatFunction { Node = node, Epoch = 3, AttestationDigest = h[1], BlockNumber = ulong.MaxValue, BlockHash = h[2], NodeSignature = [] }),
                ByName("heartbeat", node, new BigInteger(3), h[1], new BigInteger(ulong.MaxValue), h[2], Array.Empty<byte>())),
            ("registerNode", NodeRegistryCodec.Encode(new RegisterNodeFunction
                {
                    R = new Registration { Node = node, HpkePublicKey = h[0], Endpoint = "https://n:1", TeeType = 2, QuoteHash = h[1], MrtdHash = h[2], RtmrDigest = h[3], ReportDataHash = h[4], Predecessor = node },
                    NodeSignature = signature,
                }),
                ByName("registerNode", new object[] { node, h[0], "https://n:1", new BigInteger(2), h[1], h[2], h[3], h[4], node }, signature)),
            ("verifyReceipt", NodeRegistryCodec.Encode(new VerifyReceiptFunction
                {
                    Node = node,
                    Receipt = new JobReceipt { JobId = h[0], ModelHash = h[1], InputHash = h[2], OutputHash = h[3], QuoteHash = h[4], FinishedAt = 1_763_900_000, Backend = "cuda" },
                    Signature = signature,
                    Inclusion = new Inclusion { BatchNode = node, BatchIndex = 7, Proof = [h[5], h[0]] },
                }),
                ByName("verifyReceipt", node, new object[] { h[0], h[1], h[2], h[3], h[4], new BigInteger(1_763_900_000), "cuda" }, signature,
                    new object[] { node, new BigInteger(7), new List<byte[]> { h[5], h[0] } })),
            ("allowMeasurements", NodeRegistryCodec.Encode(new AllowMeasurementsFunction { P = profile.ToStruct() }),
                ByName("allowMeasurements", (object)new object[]
                {
                    "p", new byte[48], new byte[48], new byte[48], new byte[48], Keccak256.HashUtf8("agent").ToArray(), new List<string> { "a", "b" }, new List<string> { "1", "2" },
                })),
        };

        Assert.Multiple(() =>
        {
            foreach (var (name, typed, expected) in cases)
            {
                Assert.That(Hex.Encode(typed), Is.EqualTo(expected), name);
            }
        });
    }

    [Test]
    public void MeasurementProfileEntry_Id_IsKeccakOfAbiEncodedTuple()
    {
        var profile = new MeasurementProfileEntry("p", new byte[48], new byte[48], new byte[48], new byte[48], Keccak256.HashUtf8("agent"), [new("k", "v")]);
        var tuple = ABITypedRegistry.GetFunctionABI<MeasurementProfileIdFunction>().InputParameters;
        var encoded = new ParametersEncoder().EncodeParameters(tuple, [new object[]
        {
            "p", new byte[48], new byte[48], new byte[48], new byte[48], Keccak256.HashUtf8("agent").ToArray(), new List<string> { "k" }, new List<string> { "v" },
        }]);

        Assert.That(profile.Id, Is.EqualTo(Keccak256.Hash(encoded)));
    }

    [Test]
    public void DecodeOutput_GetNode_RoundTripsEveryField()
    {
        var output = EncodeNode(epoch: 9);

        var node = NodeRegistryCodec.DecodeOutput<GetNodeFunction, GetNodeOutputDTO>(output).ReturnValue1;

        Assert.Multiple(() =>
        {
            Assert.That(node.Operator, Is.EqualTo("0x" + new string('2', 40)));
            Assert.That(node.TeeType, Is.EqualTo(2));
            Assert.That(node.Active, Is.True);
            Assert.That(node.Epoch, Is.EqualTo(9));
            Assert.That(node.AttestationDigest, Is.EqualTo(Keccak256.HashUtf8("att").ToArray()));
            Assert.That(node.Endpoint, Is.EqualTo("https://n:1"));
        });
    }

    [TestCase("truncated")]
    [TestCase("uint64 overflow")]
    [TestCase("string offset out of range")]
    [TestCase("trailing bytes")]
    [TestCase("dirty address padding")]
    [TestCase("bool not 0 or 1")]
    [TestCase("Error(string)")]
    public void DecodeOutput_MalformedGetNode_ThrowsInvalidAbi(string defect)
    {
        var output = EncodeNode(epoch: 1);
        switch (defect)
        {
            case "truncated": output = output[..(output.Length - 40)]; break;
            case "uint64 overflow": output[32 + (8 * 32) + 23] = 1; break; // epoch word (9th field of the tuple): a bit above 64
            case "trailing bytes": output = [.. output, 0]; break;
            case "dirty address padding": output[32 + 0] = 0xff; break; // operator: bytes above the 20 of the address
            case "bool not 0 or 1": output[32 + (2 * 32) + 31] = 2; break; // active
            case "string offset out of range": output[32 + (18 * 32) + 28] = 0x7f; break; // the endpoint's offset
            default: output = Hex.Decode("0x08c379a0" + Hex.Encode(new ParametersEncoder().EncodeParameters([new Parameter("string")], ["no"]), prefix: false)); break;
        }

        var ex = Assert.Throws<ChainException>(() => NodeRegistryCodec.DecodeOutput<GetNodeFunction, GetNodeOutputDTO>(output));

        Assert.That(ex!.Reason, Is.EqualTo(ChainErrorReason.InvalidAbi));
    }

    [Test]
    public void DecodeReturn_Bool_DecodesAndRejectsShortData()
    {
        var word = new byte[32];
        word[31] = 1;

        Assert.That(NodeRegistryCodec.DecodeReturn<IsActiveFunction, bool>(word), Is.True);
        Assert.That(Assert.Throws<ChainException>(() => NodeRegistryCodec.DecodeReturn<ListNodesFunction, List<string>>(word))!.Reason, Is.EqualTo(ChainErrorReason.InvalidAbi));
    }

    [Test]
    public void DecodeEvent_BatchPosted_DecodesTopicsAndData_OtherIndexingIsNotOurs()
    {
        var abi = ABITypedRegistry.GetEvent<BatchPostedEventDTO>();
        var node = EthAddress.FromPrivateKey(Keccak256.HashUtf8("n").AsSpan());
        var topics = new[] { Hash32.Parse("0x" + abi.Sha3Signature), Word(node.AsSpan()), Word([5]) };
        var data = new ParametersEncoder().EncodeParameters([new Parameter("bytes32", 1), new Parameter("uint32", 2)], [Keccak256.HashUtf8("root").ToArray(), new BigInteger(16)]);

        var ev = NodeRegistryCodec.DecodeEvent(Log(topics, data));

        Assert.That(ev, Is.EqualTo(new BatchPostedEvent(node, 5, Keccak256.HashUtf8("root"), 16, ((BatchPostedEvent)ev!).Log)));
        Assert.That(NodeRegistryCodec.DecodeEvent(Log(topics[..2], data)), Is.Null, "one indexed topic short: another event with the same signature");
        Assert.That(NodeRegistryCodec.DecodeEvent(Log([Keccak256.HashUtf8("Other()"), .. topics[1..]], data)), Is.Null);
        Assert.That(Assert.Throws<ChainException>(() => NodeRegistryCodec.DecodeEvent(Log(topics, data[..40])))!.Reason, Is.EqualTo(ChainErrorReason.InvalidAbi));
        var dirtyTopic = topics[1].ToArray();
        dirtyTopic[0] = 1;
        Assert.That(Assert.Throws<ChainException>(() => NodeRegistryCodec.DecodeEvent(Log([topics[0], new Hash32(dirtyTopic), topics[2]], data)))!.Reason, Is.EqualTo(ChainErrorReason.InvalidAbi));
    }

    [Test]
    public void DecodeError_EveryCustomError_RoundTripsToItsEnumAndArguments()
    {
        Assert.Multiple(() =>
        {
            foreach (var binding in NodeRegistryCodec.Errors)
            {
                var parameters = binding.Abi.InputParameters;
                var values = parameters.Select(p => p.Type switch
                {
                    "address" => (object)("0x" + new string('a', 40)),
                    "bytes32" => Keccak256.HashUtf8("x").ToArray(),
                    "string" => "field",
                    _ => new BigInteger(42),
                }).ToArray();
                var data = Hex.Decode("0x" + binding.Abi.Sha3Signature[..8] + Hex.Encode(new ParametersEncoder().EncodeParameters(parameters, values), prefix: false));

                var ex = NodeRegistryClient.TryDecodeError(data);

                Assert.That(ex?.Error.ToString(), Is.EqualTo(binding.Abi.Name));
                Assert.That(ex?.Arguments, Is.EqualTo(parameters.Select(p => p.Type switch
                {
                    "address" => (object)EthAddress.Parse("0x" + new string('a', 40)),
                    "bytes32" => Keccak256.HashUtf8("x"),
                    "string" => "field",
                    _ => new BigInteger(42),
                })), binding.Abi.Name);
                Assert.That(ex?.Message, Does.StartWith($"NodeRegistry refused the call: {binding.Abi.Name}("), binding.Abi.Name);
            }
        });
    }

    [Test]
    public void DecodeError_TruncatedOrForeign_IsNotARegistryError()
    {
        var selector = ABITypedRegistry.GetError<NodeNotActiveError>().Sha3Signature[..8];

        Assert.That(NodeRegistryClient.TryDecodeError(Hex.Decode("0x" + selector + "00")), Is.Null);
        Assert.That(NodeRegistryClient.TryDecodeError(Hex.Decode("0x12345678" + new string('0', 64))), Is.Null);
        Assert.That(NodeRegistryClient.TryDecodeError([0x01, 0x02]), Is.Null);
        Assert.That(NodeRegistryClient.TryDecodeError(Hex.Decode("0x" + selector + new string('0', 64) + "00")), Is.Null, "trailing byte");
        Assert.That(NodeRegistryClient.TryDecodeError(Hex.Decode("0x" + selector + new string('0', 64)))!.Arguments, Is.EqualTo(new object[] { EthAddress.Zero }));
    }

    private static byte[] EncodeNode(ulong epoch)
    {
        var tuple = ABITypedRegistry.GetFunctionABI<GetNodeFunction>().OutputParameters;
        var op = "0x" + new string('2', 40);
        var zero = "0x" + new string('0', 40);
        var h = Keccak256.HashUtf8("h").ToArray();
        return new ParametersEncoder().EncodeParameters(tuple, [new object[]
        {
            op, new BigInteger(2), true, false, new BigInteger(100), new BigInteger(101), new BigInteger(102), new BigInteger(3), new BigInteger(epoch),
            zero, BigInteger.Zero, zero, h, h, h, h, h, Keccak256.HashUtf8("att").ToArray(), "https://n:1",
        }]);
    }

    private static Hash32 Word(ReadOnlySpan<byte> value)
    {
        var word = new byte[32];
        value.CopyTo(word.AsSpan(32 - value.Length));
        return new Hash32(word);
    }

    private static LogEntry Log(Hash32[] topics, byte[] data) => new(EthAddress.Zero, topics, data);
}
