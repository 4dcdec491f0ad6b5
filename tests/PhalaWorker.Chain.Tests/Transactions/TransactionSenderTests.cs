using Nethereum.Model;
using System.Numerics;
using PhalaWorker.Chain.JsonRpc;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Transactions;
using PhalaWorker.Testing;

namespace PhalaWorker.Chain.Tests.Transactions;

/// <summary>Sender behaviour that anvil cannot show (it mines at once and ignores the replacement rule): a fake node at the HTTP edge.</summary>
public sealed class TransactionSenderTests
{
    private static readonly Uri s_endpoint = new("http://127.0.0.1:9/");

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static TransactionSenderOptions Options(ulong chainId = 31337) => new()
    {
        ChainId = chainId,
        PollInterval = TimeSpan.FromMilliseconds(5),
        ReplaceAfter = TimeSpan.FromMilliseconds(30),
        ReceiptTimeout = TimeSpan.FromSeconds(20),
    };

    [Test]
    public async Task SendAsync_StuckTransaction_ReplacedWithBumpedFeesUnderSameNonceAsync()
    {
        var node = new FakeEthNode { MineOnAttempt = 3 };
        using var factory = new TestHttpClientFactory(node.CreateHandler());
        var rpc = new EthJsonRpcClient(factory, s_endpoint);
        using var signer = EthSigner.Generate();
        using var sender = new TransactionSender(rpc, signer, new InMemoryTransactionStore(), Options());
        var to = EthAddress.FromPrivateKey(Keccak256.HashUtf8("to").AsSpan());

        var receipt = await sender.SendAsync(to, new byte[] { 1, 2, 3 }, BigInteger.Zero, Timeout());

        var sent = node.Received.Select(r => (Transaction1559)r.Transaction).ToList();
        Assert.That(sent, Has.Count.EqualTo(3));
        Assert.That(sent.Select(t => t.Nonce).Distinct(), Is.EquivalentTo(new BigInteger?[] { BigInteger.Zero }));
        for (var i = 1; i < sent.Count; i++)
        {
            Assert.That(sent[i].MaxFeePerGas * 10, Is.GreaterThanOrEqualTo(sent[i - 1].MaxFeePerGas!.Value * 11), $"maxFee of replacement {i}");
            Assert.That(sent[i].MaxPriorityFeePerGas * 10, Is.GreaterThanOrEqualTo(sent[i - 1].MaxPriorityFeePerGas!.Value * 11), $"tip of replacement {i}");
        }

        Assert.That(receipt.TransactionHash, Is.EqualTo(node.Received[2].Hash));
        Assert.That(await sender.GetPendingAsync(Timeout()), Is.Empty);
    }

    [Test]
    public async Task SendAsync_FirstAttemptMined_FeesFollowFeeHistoryAsync()
    {
        var node = new FakeEthNode { MineOnAttempt = 1, BaseFee = 2_000_000_000, Tip = 150_000_000 };
        using var factory = new TestHttpClientFactory(node.CreateHandler());
        var rpc = new EthJsonRpcClient(factory, s_endpoint);
        using var signer = EthSigner.Generate();
        using var sender = new TransactionSender(rpc, signer, new InMemoryTransactionStore(), Options() with { ReplaceAfter = TimeSpan.FromMinutes(5) });

        await sender.SendAsync(null, new byte[] { 0x60, 0x00 }, BigInteger.Zero, Timeout());

        var tx = (Transaction1559)node.Received.Single().Transaction;
        Assert.That(tx.MaxPriorityFeePerGas, Is.EqualTo(new BigInteger(150_000_000)));
        Assert.That(tx.MaxFeePerGas, Is.EqualTo(new BigInteger((2 * 2_000_000_000L) + 150_000_000)));
        Assert.That(tx.GasLimit, Is.EqualTo(new BigInteger(Math.Ceiling(21000 * 1.25))));
        Assert.That(tx.ChainId, Is.EqualTo(new BigInteger(31337)));
    }

    [Test]
    public async Task SendAsync_FeeAboveCap_CapsMaxFeeAsync()
    {
        var node = new FakeEthNode { MineOnAttempt = 1, BaseFee = 2_000_000_000 };
        using var factory = new TestHttpClientFactory(node.CreateHandler());
        var rpc = new EthJsonRpcClient(factory, s_endpoint);
        using var signer = EthSigner.Generate();
        using var sender = new TransactionSender(rpc, signer, new InMemoryTransactionStore(), Options() with { MaxFeePerGas = 3_000_000_000 });

        await sender.SendAsync(null, new byte[] { 0x60, 0x00 }, BigInteger.Zero, Timeout());

        Assert.That(((Transaction1559)node.Received.Single().Transaction).MaxFeePerGas, Is.EqualTo(new BigInteger(3_000_000_000)));
    }

    [Test]
    public void SendAsync_BaseFeeAboveCap_RefusesWithClearError()
    {
        var node = new FakeEthNode { MineOnAttempt = 1, BaseFee = 5_000_000_000 };
        using var factory = new TestHttpClientFactory(node.CreateHandler());
        var rpc = new EthJsonRpcClient(factory, s_endpoint);
        using var signer = EthSigner.Generate();
        using var sender = new TransactionSender(rpc, signer, new InMemoryTransactionStore(), Options() with { MaxFeePerGas = 3_000_000_000 });

        var ex = Assert.ThrowsAsync<ChainException>(() => sender.SendAsync(null, new byte[] { 0x60 }, BigInteger.Zero, Timeout()));

        Assert.That(ex!.Message, Does.Contain("exceeds the configured cap"));
        Assert.That(node.Received, Is.Empty);
    }

    [Test]
    public void SendAsync_ReplacementWouldExceedCap_KeepsWaitingThenTimesOut()
    {
        var node = new FakeEthNode { MineOnAttempt = 0, BaseFee = 1_000_000_000, Tip = 100_000_000 };
        using var factory = new TestHttpClientFactory(node.CreateHandler());
        var rpc = new EthJsonRpcClient(factory, s_endpoint);
        using var signer = EthSigner.Generate();
        // 2.1 gwei is the first maxFee; one bump (2.352) fits under 2.5, the second does not.
        using var sender = new TransactionSender(rpc, signer, new InMemoryTransactionStore(), Options() with { MaxFeePerGas = 2_500_000_000, ReceiptTimeout = TimeSpan.FromMilliseconds(500) });

        var ex = Assert.ThrowsAsync<ChainException>(() => sender.SendAsync(null, new byte[] { 0x60 }, BigInteger.Zero, Timeout()));

        Assert.That(ex!.Message, Does.Contain("not confirmed within"));
        Assert.That(node.Received, Has.Count.EqualTo(2));
        Assert.That(node.Received.Select(r => ((Transaction1559)r.Transaction).MaxFeePerGas), Is.All.LessThanOrEqualTo(new BigInteger(2_500_000_000)));
    }

    [Test]
    public void InitializeAsync_NodeOnAnotherChain_ThrowsWrongChainId()
    {
        var node = new FakeEthNode { ChainId = 1 };
        using var factory = new TestHttpClientFactory(node.CreateHandler());
        var rpc = new EthJsonRpcClient(factory, s_endpoint);
        using var signer = EthSigner.Generate();
        using var sender = new TransactionSender(rpc, signer, new InMemoryTransactionStore(), Options(chainId: 31337));

        var ex = Assert.ThrowsAsync<ChainException>(() => sender.SendAsync(null, new byte[] { 1 }, BigInteger.Zero, Timeout()));

        Assert.That(ex!.Reason, Is.EqualTo(ChainErrorReason.WrongChainId));
        Assert.That(ex.Message, Does.Contain("chain 1").And.Contain("31337"));
        Assert.That(node.Received, Is.Empty);
    }

    [Test]
    public async Task SubmitAsync_SameIdempotencyKeyDifferentData_ThrowsAsync()
    {
        var node = new FakeEthNode { MineOnAttempt = 1 };
        using var factory = new TestHttpClientFactory(node.CreateHandler());
        var rpc = new EthJsonRpcClient(factory, s_endpoint);
        using var signer = EthSigner.Generate();
        using var sender = new TransactionSender(rpc, signer, new InMemoryTransactionStore(), Options());
        await sender.SubmitAsync(new TransactionRequest(null, new byte[] { 1 }) { IdempotencyKey = "k" }, Timeout());

        Assert.ThrowsAsync<ArgumentException>(() => sender.SubmitAsync(new TransactionRequest(null, new byte[] { 2 }) { IdempotencyKey = "k" }, Timeout()));
        Assert.That(node.Received, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task SendAsync_BroadcastAnsweredWithGarbage_WaitsInsteadOfResendingAsync()
    {
        var node = new FakeEthNode { MineOnAttempt = 1, GarbleFirstBroadcast = true };
        using var factory = new TestHttpClientFactory(node.CreateHandler());
        var rpc = new EthJsonRpcClient(factory, s_endpoint);
        using var signer = EthSigner.Generate();
        using var sender = new TransactionSender(rpc, signer, new InMemoryTransactionStore(), Options() with { ReplaceAfter = TimeSpan.FromMinutes(5) });

        var receipt = await sender.SendAsync(null, new byte[] { 0x60, 0x00 }, BigInteger.Zero, Timeout());

        Assert.That(node.Received, Has.Count.EqualTo(1));
        Assert.That(receipt.TransactionHash, Is.EqualTo(node.Received[0].Hash));
    }

    [Test]
    public async Task WaitForReceiptAsync_NodeUnavailableForAWhile_KeepsPollingUntilConfirmedAsync()
    {
        var node = new FakeEthNode { MineOnAttempt = 1, UnavailableReceiptPolls = 12 };
        using var factory = new TestHttpClientFactory(node.CreateHandler());
        var rpc = new EthJsonRpcClient(factory, s_endpoint, new JsonRpcClientOptions { MaxRetries = 1, InitialRetryDelay = TimeSpan.FromMilliseconds(1) });
        using var signer = EthSigner.Generate();
        using var sender = new TransactionSender(rpc, signer, new InMemoryTransactionStore(), Options() with { ReplaceAfter = TimeSpan.FromMinutes(5) });

        var receipt = await sender.SendAsync(null, new byte[] { 0x60, 0x00 }, BigInteger.Zero, Timeout());

        Assert.That(receipt.Succeeded, Is.True);
        Assert.That(node.Received, Has.Count.EqualTo(1));
    }
}
