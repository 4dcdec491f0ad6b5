using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Testing.Anvil;
using PhalaWorker.Testing;

namespace PhalaWorker.Benchmarks.Chain;

/// <summary>
/// <c>harness jsonrpc [--calls N] [--label TEXT]</c>: on its own anvil, the cost of one JSON-RPC round trip through
/// <see cref="EthJsonRpcClient"/>: N sequential <c>eth_chainId</c>, <c>eth_call</c> (the SHA-256 precompile, 64-byte input),
/// <c>eth_getBlockByNumber</c> and batches of 16 <c>eth_call</c>s, after a warm-up. Prints one markdown row per method
/// (mean, p50, p95 in µs, bytes allocated per call) with the load average. Uses only the client's public surface, so the
/// same source built against an older commit measures that client side by side (figures: src/PhalaWorker.Chain/README.md).
/// </summary>
public sealed class JsonRpcHarness : IHarness
{
    private static readonly EthAddress s_sha256Precompile = EthAddress.Parse("0x0000000000000000000000000000000000000002", CultureInfo.InvariantCulture);

    public string Name => "jsonrpc";

    public async Task<int> RunAsync(string[] args)
    {
        var calls = ArgValue(args, "--calls", 200);
        var label = ArgString(args, "--label", typeof(EthJsonRpcClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = cts.Token;

        await using var anvil = await AnvilNode.StartAsync(cancellationToken: ct);
        using var http = new TestHttpClientFactory();
        var rpc = new EthJsonRpcClient(http, anvil.RpcUrl);
        var call = new CallRequest { To = s_sha256Precompile, Data = new byte[64] };
        var batch = Enumerable.Range(0, 16)
            .Select(_ => new JsonRpcCall("eth_call", [EthJsonRpcClient.Param(call), EthJsonRpcClient.Param(BlockTag.Latest)]))
            .ToList();

        // Sanity: the precompile answers SHA-256 of 64 zero bytes.
        var digest = await rpc.CallAsync(call, cancellationToken: ct);
        if (digest.Length != 32)
        {
            await Console.Error.WriteLineAsync($"eth_call returned {digest.Length} bytes, expected 32");
            return 1;
        }

        Console.WriteLine($"jsonrpc harness [{label}], {calls} calls each, anvil on 127.0.0.1, load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| build | method | mean µs | p50 µs | p95 µs | allocated B/call |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        await MeasureAsync(label, "eth_chainId", calls, () => rpc.ChainIdAsync(ct));
        await MeasureAsync(label, "eth_call", calls, () => rpc.CallAsync(call, cancellationToken: ct));
        await MeasureAsync(label, "eth_getBlockByNumber", calls, () => rpc.GetBlockByNumberAsync(BlockTag.Latest, ct));
        await MeasureAsync(label, "batch of 16 eth_call", calls, () => rpc.BatchAsync(batch, ct));
        Console.WriteLine();
        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    private static async Task MeasureAsync<T>(string label, string method, int calls, Func<Task<T>> once)
    {
        for (var i = 0; i < Math.Max(20, calls / 10); i++)
        {
            await once();
        }

        var samples = new double[calls];
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await once();
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }

        var allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / calls;
        Array.Sort(samples);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {label} | {method} | {samples.Average():0} | {samples[calls / 2]:0} | {samples[(int)(calls * 0.95)]:0} | {allocated} |"));
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static int ArgValue(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string ArgString(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

}
