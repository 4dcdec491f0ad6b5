using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Nethereum.ABI;
using Nethereum.ABI.ABIDeserialisation;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.Model;
using Nethereum.Contracts;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Benchmarks.Registry;

/// <summary>
/// <c>harness registry-codec [--iterations N] [--rounds N]</c>: encode + decode of a <c>getNode</c> call and the encoding
/// of a <c>postBatch</c>, through the typed contract messages the client uses now (<see cref="NodeRegistryCodec"/>) and
/// through the string-keyed path they replaced (Nethereum's <see cref="ContractABI"/> read from the committed ABI, calls
/// looked up by name, values mapped to and from <c>object?[]</c>; copied here as it was, since it is gone from src).
/// Both run interleaved in one process, round after round; the calldata and the decoded node are checked equal first.
/// Prints the median µs and bytes allocated per operation, and the load average.
/// </summary>
public sealed class RegistryCodecHarness : IHarness
{
    public string Name => "registry-codec";

    public async Task<int> RunAsync(string[] args)
    {
        var iterations = ArgValue(args, "--iterations", 2000);
        var rounds = ArgValue(args, "--rounds", 7);
        var node = EthAddress.FromPrivateKey(Keccak256.HashUtf8("node").AsSpan());
        var root = Keccak256.HashUtf8("root");
        var signature = Enumerable.Range(0, 65).Select(i => (byte)(i + 1)).ToArray();
        var output = GetNodeOutput();

        // Same bytes, same node: what is timed is the same work.
        if (!StringKeyed.EncodeCall("getNode", node).AsSpan().SequenceEqual(NodeRegistryCodec.Encode(NodeRegistryClient.GetNode(node)))
            || !StringKeyed.EncodeCall("postBatch", node, root, 1024u, signature).AsSpan().SequenceEqual(NodeRegistryCodec.Encode(NodeRegistryClient.PostBatch(node, root, 1024, signature)))
            || StringKeyed.DecodeNode(node, output) != NodeRegistryClient.ToNodeInfo(node, NodeRegistryCodec.DecodeOutput<GetNodeFunction, GetNodeOutputDTO>(output).ReturnValue1))
        {
            await Console.Error.WriteLineAsync("registry-codec: the two paths disagree");
            return 1;
        }

        var cases = new (string Name, Action Before, Action After)[]
        {
            ("getNode: encode call", () => StringKeyed.EncodeCall("getNode", node), () => NodeRegistryCodec.Encode(NodeRegistryClient.GetNode(node))),
            ("getNode: decode output to NodeInfo", () => StringKeyed.DecodeNode(node, output),
                () => NodeRegistryClient.ToNodeInfo(node, NodeRegistryCodec.DecodeOutput<GetNodeFunction, GetNodeOutputDTO>(output).ReturnValue1)),
            ("of which: Nethereum's decode into the DTO (after) / DecodeDefaultData (before)", () => StringKeyed.DecodeDefault(output),
                () => new GetNodeOutputDTO().DecodeOutput(Hex.Encode(output))),
            ("of which: the canonical re-encoding check (after only; before had none)", static () => { },
                () => NodeRegistryCodec.RequireCanonicalOutput<GetNodeFunction>(output)),
            ("postBatch: encode call", () => StringKeyed.EncodeCall("postBatch", node, root, 1024u, signature),
                () => NodeRegistryCodec.Encode(NodeRegistryClient.PostBatch(node, root, 1024, signature))),
        };

        Console.WriteLine($"registry-codec: {iterations} iterations × {rounds} rounds, interleaved; {Environment.ProcessorCount} CPUs, load average at start {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| operation | string-keyed ContractABI (before) | typed messages (after) | after ÷ before | allocated before / after |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (_, before, after) in cases.Concat(cases))
        {
            WarmUp(before);
            WarmUp(after);
        }

        // Two passes, the first one discarded: on a loaded machine tiered JIT finishes late and skews the first rows.
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var (name, before, after) in cases)
            {
                var b = new List<(double Micros, long Bytes)>();
                var a = new List<(double Micros, long Bytes)>();
                for (var round = 0; round < rounds; round++)
                {
                    b.Add(Measure(before, iterations));
                    a.Add(Measure(after, iterations));
                }

                var mb = Median(b.Select(x => x.Micros));
                var ma = Median(a.Select(x => x.Micros));
                if (pass == 0)
                {
                    continue;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {mb:0.0} µs | {ma:0.0} µs | {(mb > 0.05 ? (ma / mb).ToString("0.00", CultureInfo.InvariantCulture) : "—")} | {b[0].Bytes:N0} B / {a[0].Bytes:N0} B |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average at end {LoadAverage()}");
        return 0;
    }

    // Long enough for tiered JIT to reach its optimised code on a loaded machine.
    private static void WarmUp(Action action)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < 500)
        {
            action();
        }
    }

    private static (double Micros, long Bytes) Measure(Action action, int iterations)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            action();
        }

        sw.Stop();
        return (sw.Elapsed.TotalMicroseconds / iterations, (GC.GetAllocatedBytesForCurrentThread() - allocated) / iterations);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static byte[] GetNodeOutput()
    {
        var h = Enumerable.Range(0, 6).Select(i => Keccak256.HashUtf8("field " + i).ToArray()).ToArray();
        var op = EthAddress.FromPrivateKey(Keccak256.HashUtf8("operator").AsSpan()).ToLowerHexString();
        var zero = EthAddress.Zero.ToLowerHexString();
        var parameters = StringKeyed.Function("getNode").OutputParameters;
        return new ParametersEncoder().EncodeParameters(parameters, [new object[]
        {
            op, new BigInteger(2), true, false, new BigInteger(1_763_900_000), new BigInteger(1_763_900_100), new BigInteger(123_456),
            new BigInteger(42), new BigInteger(3), zero, BigInteger.Zero, zero, h[0], h[1], h[2], h[3], h[4], h[5], "https://node.example:8443",
        }]);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "n/a";

    private static int ArgValue(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }

    /// <summary>The string-keyed path as it was in src (NodeRegistryAbi + NodeRegistryClient.ToNodeInfo), for the comparison.</summary>
    private static class StringKeyed
    {
        private static readonly ContractABI s_contract = new ABIJsonDeserialiser().DeserialiseContract(NodeRegistryContract.AbiJson);
        private static readonly FunctionCallEncoder s_encoder = new();
        private static readonly FunctionCallDecoder s_decoder = new();

        public static FunctionABI Function(string name) => s_contract.Functions.Single(f => f.Name == name);

        public static byte[] EncodeCall(string function, params object?[] arguments)
        {
            var f = Function(function);
            var values = f.InputParameters.Select((p, i) => ToNethereum(p.ABIType, arguments[i])).ToArray();
            return Hex.Decode(s_encoder.EncodeRequest(f.Sha3Signature, f.InputParameters, values));
        }

        public static List<ParameterOutput> DecodeDefault(byte[] output) => s_decoder.DecodeDefaultData(output, Function("getNode").OutputParameters);

        public static NodeInfo DecodeNode(EthAddress node, byte[] output)
        {
            var f = Function("getNode");
            var values = s_decoder.DecodeDefaultData(output, f.OutputParameters).OrderBy(o => o.Parameter.Order).Select(o => FromNethereum(o.Parameter.ABIType, o.Result)).ToArray();
            var t = (object?[])values[0]!;
            return new NodeInfo(
                node, (EthAddress)t[0]!, (byte)(BigInteger)t[1]!, (bool)t[2]!, (bool)t[3]!, U64(t[4]), U64(t[5]), U64(t[6]), U64(t[7]), U64(t[8]),
                (EthAddress)t[9]!, U64(t[10]), (EthAddress)t[11]!, H(t[12]), H(t[13]), H(t[14]), H(t[15]), H(t[16]), H(t[17]), (string)t[18]!);
        }

        private static ulong U64(object? value) => (ulong)(BigInteger)value!;

        private static Hash32 H(object? value) => new((byte[])value!);

        private static object? ToNethereum(ABIType type, object? value) => (type, value) switch
        {
            (_, null) => null,
            (AddressType, EthAddress a) => a.ToLowerHexString(),
            (_, Hash32 h) => h.ToArray(),
            (_, ReadOnlyMemory<byte> m) => m.ToArray(),
            (IntType, ulong u) => new BigInteger(u),
            (IntType, uint u) => new BigInteger(u),
            (IntType, int i) => new BigInteger(i),
            (IntType, byte b) => new BigInteger(b),
            (TupleType t, object?[] items) => t.Components.Select((c, i) => ToNethereum(c.ABIType, items[i])).ToArray(),
            (ArrayType a, object?[] items) => items.Select(item => ToNethereum(a.ElementType, item)).ToList(),
            (ArrayType a, IEnumerable items) when value is not string and not byte[] => items.Cast<object?>().Select(item => ToNethereum(a.ElementType, item)).ToList(),
            _ => value,
        };

        private static object? FromNethereum(ABIType type, object? value) => (type, value) switch
        {
            (_, null) => null,
            (AddressType, string s) => EthAddress.Parse(s.ToLowerInvariant()),
            (TupleType t, List<ParameterOutput> outputs) => outputs.OrderBy(o => o.Parameter.Order).Select(o => FromNethereum(o.Parameter.ABIType, o.Result)).ToArray(),
            (ArrayType a, IEnumerable items) when value is not string and not byte[] => items.Cast<object?>().Select(item => FromNethereum(a.ElementType, item)).ToArray(),
            _ => value,
        };
    }
}
