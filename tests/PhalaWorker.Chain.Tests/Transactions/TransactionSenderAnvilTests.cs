using System.Numerics;
using PhalaWorker.Chain.Contracts.NodeRegistry;
using PhalaWorker.Chain.Contracts.NodeRegistry.ContractDefinition;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Tests.Contracts;
using PhalaWorker.Chain.Transactions;
using PhalaWorker.Testing.Anvil;

namespace PhalaWorker.Chain.Tests.Transactions;

[Category("Anvil")]
public sealed class TransactionSenderAnvilTests
{
    private static CancellationToken Timeout(int seconds = 90) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private static EthAddress Recipient(string seed) => EthAddress.FromPrivateKey(Keccak256.HashUtf8(seed).AsSpan());

    [Test]
    public async Task SendAsync_ConcurrentSends_ConsecutiveNoncesAllMinedAsync()
    {
        await using var env = await ChainTestEnvironment.StartAsync();
        using var key = env.Signer(1);
        using var sender = env.Sender(key);

        var receipts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => sender.SendAsync(Recipient("r" + i), ReadOnlyMemory<byte>.Empty, 1000 + i, Timeout())));

        Assert.That(receipts.Select(r => r.Succeeded), Is.All.True);
        Assert.That(await env.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Latest, Timeout()), Is.EqualTo(8));
        for (var i = 0; i < 8; i++)
        {
            Assert.That(await env.Rpc.GetBalanceAsync(Recipient("r" + i), cancellationToken: Timeout()), Is.EqualTo(new BigInteger(1000 + i)));
        }
    }

    [Test]
    public async Task SendAsync_SameIdempotencyKeyTwice_SendsOnceAsync()
    {
        await using var env = await ChainTestEnvironment.StartAsync();
        using var key = env.Signer(1);
        using var sender = env.Sender(key);
        var request = new TransactionRequest(Recipient("once"), ReadOnlyMemory<byte>.Empty, 7) { IdempotencyKey = "pay-once" };

        var first = await sender.SendAsync(request, Timeout());
        var second = await sender.SendAsync(request, Timeout());

        Assert.That(second.TransactionHash, Is.EqualTo(first.TransactionHash));
        Assert.That(await env.Rpc.GetBalanceAsync(Recipient("once"), cancellationToken: Timeout()), Is.EqualTo(new BigInteger(7)));
    }

    [Test]
    public async Task WaitForReceiptAsync_NewSenderOnSameJournal_ResumesWithoutResendingAsync()
    {
        await using var env = await ChainTestEnvironment.StartAsync();
        using var key = env.Signer(2);
        var journalDir = Directory.CreateTempSubdirectory("phala-journal-");
        try
        {
            var store = new FileTransactionStore(journalDir.FullName);
            StoredTransaction submitted;
            using (var crashed = env.Sender(key, store))
            {
                // Submitted, then the process "crashes" before waiting.
                submitted = await crashed.SubmitAsync(new TransactionRequest(Recipient("resume"), ReadOnlyMemory<byte>.Empty, 5) { IdempotencyKey = "job-17" }, Timeout());
            }

            using var restarted = env.Sender(key, new FileTransactionStore(journalDir.FullName));
            var pending = await restarted.GetPendingAsync(Timeout());
            var receipt = await restarted.WaitForReceiptAsync("job-17", Timeout());
            var again = await restarted.SendAsync(new TransactionRequest(Recipient("resume"), ReadOnlyMemory<byte>.Empty, 5) { IdempotencyKey = "job-17" }, Timeout());

            Assert.That(pending.Select(p => p.Key), Is.EqualTo(new[] { "job-17" }));
            Assert.That(receipt.TransactionHash, Is.EqualTo(submitted.Latest.Hash));
            Assert.That(again.TransactionHash, Is.EqualTo(receipt.TransactionHash));
            Assert.That(await env.Rpc.GetBalanceAsync(Recipient("resume"), cancellationToken: Timeout()), Is.EqualTo(new BigInteger(5)));
            Assert.That(await env.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Latest, Timeout()), Is.EqualTo(1));
        }
        finally
        {
            journalDir.Delete(recursive: true);
        }
    }

    [Test]
    public async Task SendAsync_AnvilKilledAndRestartedMidRun_NothingLostOrDoubledAsync()
    {
        await using var env = await ChainTestEnvironment.StartAsync(new AnvilOptions { PersistState = true });
        using var operatorKey = env.Signer(0);
        using var node = EthSigner.Generate();
        var journalDir = Directory.CreateTempSubdirectory("phala-journal-");
        try
        {
            using var sender = env.Sender(operatorKey, new FileTransactionStore(journalDir.FullName));
            var registry = await NodeRegistryClient.DeployAsync(sender, "deploy", Timeout());
            await registry.RegisterNodeAsync(
                new NodeRegistration(node.Address, Keccak256.HashUtf8("hpke"), "https://n", 1, Keccak256.HashUtf8("q"), Keccak256.HashUtf8("m"), Keccak256.HashUtf8("r"), Keccak256.HashUtf8("d")),
                node,
                "register",
                Timeout());
            const int Batches = 8;
            var roots = Enumerable.Range(0, Batches).Select(i => Keccak256.HashUtf8("batch " + i)).ToList();
            var posted = 0;

            var poster = Task.Run(async () =>
            {
                for (var i = 0; i < Batches; i++)
                {
                    // The agent's pattern: retry an operation under the same idempotency key until it is confirmed.
                    while (true)
                    {
                        try
                        {
                            await registry.PostBatchAsync(node.Address, roots[i], 1, node, "batch-" + i, Timeout());
                            break;
                        }
                        catch (ChainException ex) when (ex is JsonRpcException { IsTransient: true } || ex.InnerException is JsonRpcException { IsTransient: true })
                        {
                            await Task.Delay(100);
                        }
                    }

                    Interlocked.Increment(ref posted);
                }
            });

            while (Volatile.Read(ref posted) < 3)
            {
                await Task.Delay(20, Timeout());
            }

            // Let anvil's periodic state dump (1 s) cover what was confirmed: a real L2 keeps confirmed blocks.
            await Task.Delay(1500);
            await env.Anvil.KillAsync();
            await Task.Delay(500);
            await env.Anvil.RestartAsync(Timeout());
            await poster.WaitAsync(Timeout(120));

            Assert.That(await registry.GetBatchCountAsync(node.Address, Timeout()), Is.EqualTo(Batches));
            for (var i = 0; i < Batches; i++)
            {
                Assert.That((await registry.GetBatchAsync(node.Address, (ulong)i, Timeout())).Root, Is.EqualTo(roots[i]), $"batch {i}");
            }

            Assert.That(await sender.GetPendingAsync(Timeout()), Is.Empty);
        }
        finally
        {
            journalDir.Delete(recursive: true);
        }
    }

    [Test]
    public async Task WaitForReceiptAsync_ReceiptDisappearsInReorg_ResendsAndConfirmsAsync()
    {
        await using var env = await ChainTestEnvironment.StartAsync();
        using var key = env.Signer(3);
        using var sender = env.Sender(key, options: ChainTestEnvironment.FastOptions(env.Anvil.ChainId) with { Confirmations = 3 });
        await sender.InitializeAsync(Timeout());
        var snapshot = await env.Anvil.RpcAsync("evm_snapshot", cancellationToken: Timeout());

        var tx = await sender.SubmitAsync(new TransactionRequest(Recipient("reorg"), ReadOnlyMemory<byte>.Empty, 9) { IdempotencyKey = "reorged" }, Timeout());
        var wait = sender.WaitForReceiptAsync("reorged", Timeout());
        while (await env.Rpc.GetTransactionReceiptAsync(tx.Latest.Hash, Timeout()) is null)
        {
            await Task.Delay(10, Timeout());
        }

        // Drop the block that holds it: the receipt vanishes and the transaction is gone from the pool.
        await env.Anvil.RpcAsync("evm_revert", $"[\"{snapshot.GetString()}\"]", Timeout());
        while (!wait.IsCompleted)
        {
            await env.Anvil.RpcAsync("evm_mine", cancellationToken: Timeout());
            await Task.WhenAny(wait, Task.Delay(100, Timeout()));
        }

        var receipt = await wait;
        Assert.That(receipt.Succeeded, Is.True);
        Assert.That(await env.Rpc.GetBalanceAsync(Recipient("reorg"), cancellationToken: Timeout()), Is.EqualTo(new BigInteger(9)));
        Assert.That(await env.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Latest, Timeout()), Is.EqualTo(1));
    }

    [Test]
    public async Task SendAsync_NonceUsedOutsideTheJournal_ResynchronizesFromNodeAsync()
    {
        await using var env = await ChainTestEnvironment.StartAsync();
        using var key = env.Signer(4);
        var store = new InMemoryTransactionStore();
        using (var other = env.Sender(key))
        {
            // Another process (another journal) uses the key first.
            await other.SendAsync(Recipient("other"), ReadOnlyMemory<byte>.Empty, 1, Timeout());
            await other.SendAsync(Recipient("other"), ReadOnlyMemory<byte>.Empty, 1, Timeout());
        }

        using var sender = env.Sender(key, store);
        var receipt = await sender.SendAsync(Recipient("mine"), ReadOnlyMemory<byte>.Empty, 3, Timeout());

        Assert.That(receipt.Succeeded, Is.True);
        Assert.That(await env.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Latest, Timeout()), Is.EqualTo(3));
    }

    [Test]
    public async Task SendAsync_CallWouldRevert_ThrowsWithReasonAndSendsNothingAsync()
    {
        await using var env = await ChainTestEnvironment.StartAsync();
        using var key = env.Signer(0);
        using var sender = env.Sender(key);
        var registry = await NodeRegistryClient.DeployAsync(sender, cancellationToken: Timeout());
        var nonceBefore = await env.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Latest, Timeout());
        var calldata = NodeRegistryCodec.Encode(new DeregisterFunction { Node = Recipient("nobody").ToLowerHexString() });

        var ex = Assert.ThrowsAsync<TransactionRevertedException>(() => sender.SendAsync(registry.Address, calldata, BigInteger.Zero, Timeout()));

        Assert.That(ex!.Receipt, Is.Null);
        Assert.That(NodeRegistryClient.TryDecodeError(ex.RevertData)!.Error, Is.EqualTo(NodeRegistryError.NodeNotActive));
        Assert.That(await env.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Latest, Timeout()), Is.EqualTo(nonceBefore));
    }

    [Test]
    public async Task SendAsync_RevertsWhenMined_ThrowsWithReceiptAndDecodedReasonAsync()
    {
        await using var env = await ChainTestEnvironment.StartAsync();
        using var key = env.Signer(0);
        using var sender = env.Sender(key);
        var registry = await NodeRegistryClient.DeployAsync(sender, cancellationToken: Timeout());
        var calldata = NodeRegistryCodec.Encode(new DeregisterFunction { Node = Recipient("nobody").ToLowerHexString() });

        var ex = Assert.ThrowsAsync<TransactionRevertedException>(() =>
            sender.SendAsync(new TransactionRequest(registry.Address, calldata) { GasLimit = 100_000 }, Timeout()));

        Assert.That(ex!.Receipt, Is.Not.Null);
        Assert.That(ex.Receipt!.Succeeded, Is.False);
        Assert.That(ex.Message, Does.Contain("reverted in block"));
        Assert.That(NodeRegistryClient.TryDecodeError(ex.RevertData)!.Error, Is.EqualTo(NodeRegistryError.NodeNotActive));
    }

    [Test]
    public async Task SendAsync_InsufficientFunds_ThrowsAndReleasesNonceAsync()
    {
        await using var env = await ChainTestEnvironment.StartAsync();
        using var poor = EthSigner.Generate();
        using var sender = env.Sender(poor);

        var ex = Assert.ThrowsAsync<ChainException>(() =>
            sender.SendAsync(new TransactionRequest(Recipient("x"), ReadOnlyMemory<byte>.Empty, 1) { GasLimit = 21_000 }, Timeout()));

        Assert.That(ex!.Reason, Is.EqualTo(ChainErrorReason.TransactionFailed));
        Assert.That(ex.Message, Does.Contain("refused").Or.Contain("funds"));
        Assert.That(await sender.GetPendingAsync(Timeout()), Is.Empty);
    }

    [Test]
    public async Task InitializeAsync_AnvilOnOtherChainId_ThrowsWrongChainIdAsync()
    {
        await using var env = await ChainTestEnvironment.StartAsync(new AnvilOptions { ChainId = 4242 });
        using var key = env.Signer(0);
        using var sender = env.Sender(key, options: ChainTestEnvironment.FastOptions(31337));

        var ex = Assert.ThrowsAsync<ChainException>(() => sender.InitializeAsync(Timeout()));

        Assert.That(ex!.Reason, Is.EqualTo(ChainErrorReason.WrongChainId));
    }
}
