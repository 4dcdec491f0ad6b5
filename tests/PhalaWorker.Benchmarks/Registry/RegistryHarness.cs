using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;
using PhalaWorker.Testing.Anvil;
using PhalaWorker.Testing;

namespace PhalaWorker.Benchmarks.Registry;

/// <summary>
/// <c>harness registry [--txs N] [--latency-runs N]</c>: on its own anvil, measures gas per result for batches of
/// 1/16/256/1024 receipts (postBatch gas / n, relayed with the node's signature and sent by the node itself, plus
/// verifyReceipt gas for a receipt of the batch's node and for one of its predecessor), the registration, heartbeat,
/// retirement and allow-list calls, the transactions per second one sender sustains, and the time from job completion
/// (receipt digest ready) to confirmed inclusion, with automine and with 1 s blocks. Prints markdown tables.
/// </summary>
public sealed class RegistryHarness : IHarness
{
    public string Name => "registry";

    public async Task<int> RunAsync(string[] args)
    {
        var txs = ArgValue(args, "--txs", 200);
        var latencyRuns = ArgValue(args, "--latency-runs", 10);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;

        await using (var anvil = await AnvilNode.StartAsync(cancellationToken: ct))
        {
            using var http = new TestHttpClientFactory();
            var rpc = new EthJsonRpcClient(http, anvil.RpcUrl);
            using var operatorKey = EthSigner.FromHex(anvil.PrivateKeys[0]);
            using var sender = new TransactionSender(rpc, operatorKey, new InMemoryTransactionStore(), Options(anvil.ChainId));
            var registry = await NodeRegistryClient.DeployAsync(sender, cancellationToken: ct);
            Console.WriteLine($"deploy: {registry.DeploymentReceipt!.GasUsed} gas, bytecode {NodeRegistryContract.Bytecode.Length} bytes");

            using var node = EthSigner.Generate();
            var registered = await registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: ct);
            Console.WriteLine($"registerNode: {registered.Receipt.GasUsed} gas");
            var heartbeat = await registry.HeartbeatAtLatestBlockAsync(node.Address, Keccak256.HashUtf8("att"), node, ct);
            Console.WriteLine($"heartbeat (relayed, epoch + blockhash): {heartbeat.Receipt.GasUsed} gas");
            var heartbeat2 = await registry.HeartbeatAtLatestBlockAsync(node.Address, Keccak256.HashUtf8("att 2"), node, ct);
            Console.WriteLine($"heartbeat (relayed, later ones): {heartbeat2.Receipt.GasUsed} gas");

            // Restart: a successor registers naming the node as predecessor (retires and links it).
            using var successor = EthSigner.Generate();
            var succeeded = await registry.RegisterNodeAsync(Registration(successor.Address) with { Predecessor = node.Address }, successor, cancellationToken: ct);
            Console.WriteLine($"registerNode with predecessor: {succeeded.Receipt.GasUsed} gas");
            using var leaver = EthSigner.Generate();
            await registry.RegisterNodeAsync(Registration(leaver.Address), leaver, cancellationToken: ct);
            var left = await registry.RetireNodeAsync(leaver.Address, cancellationToken: ct);
            Console.WriteLine($"retireNode: {left.Receipt.GasUsed} gas");
            var profile = new MeasurementProfileEntry("bench", new byte[48], new byte[48], new byte[48], new byte[48], Keccak256.HashUtf8("agent"),
                [new("Compute:Backend", "cuda"), new("Attestation:AllowEmulated", "false"), new("Chain:RegistryAddress", "0x5FbDB2315678afecb367f032d93F642f64180aa3")]);
            var allowed = await registry.AllowMeasurementsAsync(profile, cancellationToken: ct);
            var revoked = await registry.RevokeMeasurementsAsync(profile.Id, cancellationToken: ct);
            Console.WriteLine($"allowMeasurements (3 settings): {allowed.Receipt.GasUsed} gas; revokeMeasurements: {revoked.Receipt.GasUsed} gas");

            // The successor posts from here on: its own receipts and the predecessor's (a batch does not care who signed its leaves).
            // It also sends its own batches in one column: fund it.
            var batcher = successor;
            await sender.SendAsync(batcher.Address, ReadOnlyMemory<byte>.Empty, BigInteger.Pow(10, 18), ct);
            using var nodeSender = new TransactionSender(rpc, batcher, new InMemoryTransactionStore(), Options(anvil.ChainId));
            var asNode = new NodeRegistryClient(rpc, registry.Address, anvil.ChainId, nodeSender);

            Console.WriteLine();
            Console.WriteLine("| receipts n | tree build | postBatch gas (relayed, node sig) | gas/result | postBatch gas (node sends) | gas/result | proof depth | verifyReceipt gas, own receipt (eth_estimateGas) | verifyReceipt gas, predecessor's receipt |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var n in new[] { 1, 16, 256, 1024 })
            {
                // Receipts signed by the predecessor, posted by the successor: verifyReceipt follows the succession link.
                var receipts = Enumerable.Range(0, n).Select(i => new JobReceiptData(
                    Keccak256.HashUtf8($"job {n}/{i}"), Keccak256.HashUtf8("model"), Keccak256.HashUtf8($"in {i}"), Keccak256.HashUtf8($"out {i}"),
                    Keccak256.HashUtf8("quote"), 1_763_900_000, "cuda")).ToList();
                var leaves = receipts.Select(r => JobReceiptTypedData.Digest(r, anvil.ChainId, registry.Address)).ToList();
                var sw = Stopwatch.StartNew();
                var tree = new ReceiptMerkleTree(leaves);
                var build = sw.Elapsed;
                var relayed = await registry.PostBatchAsync(batcher.Address, tree.Root, (uint)n, batcher, cancellationToken: ct);
                var direct = await asNode.PostBatchAsync(batcher.Address, Keccak256.HashUtf8($"direct {n}"), (uint)n, null, cancellationToken: ct);
                var index = relayed.Event.BatchIndex;
                var leafIndex = n - 1;
                var proof = tree.GetProof(leafIndex);
                var signature = JobReceiptTypedData.Sign(node, receipts[leafIndex], anvil.ChainId, registry.Address);
                if (!await registry.VerifyReceiptAsync(node.Address, receipts[leafIndex], signature, batcher.Address, index, proof, ct))
                {
                    throw new InvalidOperationException("verifyReceipt returned false");
                }

                var calldata = NodeRegistryClient.VerifyReceiptCallData(node.Address, receipts[leafIndex], signature, batcher.Address, index, proof);
                var verifyGas = await rpc.EstimateGasAsync(new CallRequest { To = registry.Address, Data = calldata }, cancellationToken: ct);
                var ownSignature = JobReceiptTypedData.Sign(batcher, receipts[leafIndex], anvil.ChainId, registry.Address);
                var ownCalldata = NodeRegistryClient.VerifyReceiptCallData(batcher.Address, receipts[leafIndex], ownSignature, batcher.Address, index, proof);
                var ownGas = await rpc.EstimateGasAsync(new CallRequest { To = registry.Address, Data = ownCalldata }, cancellationToken: ct);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {n} | {build.TotalMilliseconds:0.###} ms | {relayed.Receipt.GasUsed} | {(double)relayed.Receipt.GasUsed / n:0.#} | {direct.Receipt.GasUsed} | {(double)direct.Receipt.GasUsed / n:0.#} | {proof.Count} | {ownGas} | {verifyGas} |"));
            }

            // Throughput: one sender, all submitted at once (nonces assigned in order), then all awaited.
            Console.WriteLine();
            using var throughputKey = EthSigner.FromHex(anvil.PrivateKeys[1]);
            using var throughputSender = new TransactionSender(rpc, throughputKey, new InMemoryTransactionStore(), Options(anvil.ChainId));
            await throughputSender.InitializeAsync(ct);
            var target = EthAddress.FromPrivateKey(Keccak256.HashUtf8("sink").AsSpan());
            var swTps = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, txs).Select(i => throughputSender.SendAsync(target, ReadOnlyMemory<byte>.Empty, 1, ct)));
            var concurrent = swTps.Elapsed;
            swTps.Restart();
            for (var i = 0; i < Math.Min(txs, 50); i++)
            {
                await throughputSender.SendAsync(target, ReadOnlyMemory<byte>.Empty, 1, ct);
            }

            var sequential = swTps.Elapsed;
            Console.WriteLine("| sender throughput (anvil automine, confirmations 1) | value |");
            Console.WriteLine("|---|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {txs} concurrent sends, submit → all confirmed | {txs / concurrent.TotalSeconds:0.0} tx/s ({concurrent.TotalMilliseconds:0} ms) |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {Math.Min(txs, 50)} sequential send-and-wait | {Math.Min(txs, 50) / sequential.TotalSeconds:0.0} tx/s ({sequential.TotalMilliseconds / Math.Min(txs, 50):0.0} ms each) |"));

            Console.WriteLine();
            Console.WriteLine("| completion → confirmed inclusion (batch of 16, relayed) | median | max |");
            Console.WriteLine("|---|---:|---:|");
            await LatencyAsync("anvil automine", registry, batcher, latencyRuns, ct);
        }

        await using (var anvil = await AnvilNode.StartAsync(new AnvilOptions { BlockTime = TimeSpan.FromSeconds(1) }, ct))
        {
            using var http = new TestHttpClientFactory();
            var rpc = new EthJsonRpcClient(http, anvil.RpcUrl);
            using var operatorKey = EthSigner.FromHex(anvil.PrivateKeys[0]);
            using var sender = new TransactionSender(rpc, operatorKey, new InMemoryTransactionStore(), Options(anvil.ChainId));
            var registry = await NodeRegistryClient.DeployAsync(sender, cancellationToken: ct);
            using var node = EthSigner.Generate();
            await registry.RegisterNodeAsync(Registration(node.Address), node, cancellationToken: ct);
            await LatencyAsync("anvil 1 s blocks", registry, node, Math.Min(latencyRuns, 5), ct);
        }

        return 0;
    }

    private static async Task LatencyAsync(string label, NodeRegistryClient registry, EthSigner node, int runs, CancellationToken ct)
    {
        var samples = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var leaves = Enumerable.Range(0, 16).Select(i => Keccak256.HashUtf8($"{label} {run}/{i}")).ToList();
            var sw = Stopwatch.StartNew(); // the last job of the batch has just completed
            var tree = new ReceiptMerkleTree(leaves);
            await registry.PostBatchAsync(node.Address, tree.Root, 16, node, cancellationToken: ct);
            samples.Add(sw.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} ({runs} runs) | {samples[samples.Count / 2]:0} ms | {samples[^1]:0} ms |"));
    }

    private static TransactionSenderOptions Options(ulong chainId) => new()
    {
        ChainId = chainId,
        PollInterval = TimeSpan.FromMilliseconds(20),
        ReceiptTimeout = TimeSpan.FromMinutes(2),
    };

    private static NodeRegistration Registration(EthAddress node) => new(
        node, Keccak256.HashUtf8("hpke"), "https://node.example:8443", 1, Keccak256.HashUtf8("quote"), Keccak256.HashUtf8("mrtd"), Keccak256.HashUtf8("rtmr"), Keccak256.HashUtf8("report"));

    private static int ArgValue(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }

}
