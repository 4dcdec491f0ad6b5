using System.Numerics;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Transactions;

namespace PhalaWorker.Chain.Tests.Transactions;

public sealed class FileTransactionStoreTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("phala-store-");

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    private static readonly EthAddress s_from = EthAddress.FromPrivateKey(Keccak256.HashUtf8("from").AsSpan());

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    [Test]
    public async Task SaveAsync_ThenLoadAsync_RoundTripsEveryFieldAsync()
    {
        var store = new FileTransactionStore(_dir.FullName);
        var attempt = new SignedAttempt(Keccak256.HashUtf8("tx"), [2, 1, 0], BigInteger.Parse("300000000000000000000"), 7, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var journal = new TransactionJournal(10, s_from, 4, [
            new StoredTransaction("k1", 3, null, [0x60, 0x00], 0, 21000, [attempt], TransactionState.Pending, null, null, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)),
            new StoredTransaction("k0", 2, s_from, [], 5, 50000, [attempt], TransactionState.Confirmed, attempt.Hash, 99, DateTimeOffset.FromUnixTimeSeconds(1_699_999_000)),
        ]);

        await store.SaveAsync(journal, Timeout());
        var loaded = await new FileTransactionStore(_dir.FullName).LoadAsync(10, s_from, Timeout());

        Assert.That(loaded, Is.Not.Null);
        Assert.That(loaded!.NextNonce, Is.EqualTo(4));
        Assert.That(loaded.Transactions.Select(t => (t.Key, t.Nonce, t.State, t.To, t.MinedHash, t.BlockNumber, t.GasLimit, t.Value)),
            Is.EqualTo(journal.Transactions.Select(t => (t.Key, t.Nonce, t.State, t.To, t.MinedHash, t.BlockNumber, t.GasLimit, t.Value))));
        Assert.That(loaded.Transactions[0].Latest.RawTransaction, Is.EqualTo(attempt.RawTransaction));
        Assert.That(loaded.Transactions[0].Latest.MaxFeePerGas, Is.EqualTo(attempt.MaxFeePerGas));
        Assert.That(loaded.Transactions[0].Data, Is.EqualTo(new byte[] { 0x60, 0x00 }));
        Assert.That(_dir.GetFiles("*.tmp"), Is.Empty);
    }

    [Test]
    public async Task LoadAsync_NoJournal_ReturnsNullAsync()
    {
        Assert.That(await new FileTransactionStore(_dir.FullName).LoadAsync(1, s_from, Timeout()), Is.Null);
    }

    [Test]
    public async Task LoadAsync_CorruptFile_ThrowsNamingThePathAsync()
    {
        var store = new FileTransactionStore(_dir.FullName);
        await File.WriteAllTextAsync(store.GetPath(1, s_from), "{ not json");

        var ex = Assert.ThrowsAsync<ChainException>(async () => await store.LoadAsync(1, s_from, Timeout()));

        Assert.That(ex!.Message, Does.Contain("corrupt").And.Contain(store.GetPath(1, s_from)));
    }
}
