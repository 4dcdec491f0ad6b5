using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Agent.Registry;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Chain.Merkle;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Registry;

/// <summary>
/// The result poster's batching (by size, by age), its retry after a failed post and its re-posting after a restart, on a
/// <see cref="FakeTimeProvider"/>, a real SQLite journal in a temp directory and a chain that fails on demand (the
/// <see cref="IReceiptBatchPoster"/> edge).
/// </summary>
public sealed class ResultPosterTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private TempDirectory _directory = null!;
    private FakeTimeProvider _clock = null!;
    private JobJournal _journal = null!;
    private NodeContext _node = null!;
    private FakeChain _chain = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory("result-poster");
        _clock = new FakeTimeProvider(Start);
        _journal = JobJournal.Open(_directory.File("journal.db"), _clock);
        _node = new NodeContext();
        _node.Set(new NodeAttestation(NodeIdentity.Generate(), EthSigner.Generate(), RandomNumberGenerator.GetBytes(64), new byte[64], new AttestationBundle(), "test"));
        _chain = new FakeChain();
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await _journal.DisposeAsync();
        _node.Dispose();
        _directory.Dispose();
    }

    [Test]
    public async Task Add_BatchSizeReached_PostsOneBatchAndJournalsEachProofAsync()
    {
        // Arrange: batches of 3, an age limit far away.
        using var poster = Poster(batchSize: 3, maxAge: TimeSpan.FromHours(1), out var logs);
        await poster.StartAsync(CancellationToken.None);
        var jobs = new List<(byte[] JobId, byte[] Digest)>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await FinishJobAsync());
            poster.Add(jobs[i].JobId, jobs[i].Digest, _clock.GetUtcNow());
        }

        // Act
        await TickUntilAsync(() => _chain.Posted.Count == 1);

        // Assert
        var batch = _chain.Posted.Single();
        Assert.That(batch.Count, Is.EqualTo(3));
        Assert.That(batch.Root, Is.EqualTo(new ReceiptMerkleTree(jobs.Select(j => new Hash32(j.Digest)).ToList()).Root));
        foreach (var (jobId, digest) in jobs)
        {
            var inclusion = await InclusionAsync(jobId);
            Assert.That(inclusion, Is.Not.Null, "each job's inclusion proof is journaled for GetResult");
            Assert.That(inclusion!.BatchIndex, Is.EqualTo(batch.Index));
            Assert.That(ReceiptMerkleTree.Verify(new Hash32(digest), inclusion.Proof.Select(p => new Hash32(p.Span)).ToList(), new Hash32(inclusion.BatchRoot.Span)), Is.True);
            Assert.That(inclusion.BatchNode.Span.SequenceEqual(_node.Required.Address.AsSpan()), Is.True);
        }

        await poster.StopAsync(CancellationToken.None);
        LogAssert.VerifyNoErrors(logs);
    }

    [Test]
    public async Task Add_BelowBatchSize_WaitsForMaxAgeThenPostsSmallerBatchAsync()
    {
        using var poster = Poster(batchSize: 16, maxAge: TimeSpan.FromSeconds(10), out var logs);
        await poster.StartAsync(CancellationToken.None);
        var (first, firstDigest) = await FinishJobAsync();
        var (second, secondDigest) = await FinishJobAsync();
        poster.Add(first, firstDigest, _clock.GetUtcNow());
        poster.Add(second, secondDigest, _clock.GetUtcNow());

        // Younger than the age limit: nothing is posted, however many ticks pass (the tick is 1 s; 9 ticks = 9 s).
        for (var i = 0; i < 9; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        Assert.That(_chain.Posted, Is.Empty, "two receipts younger than 10 s wait for more");

        await TickUntilAsync(() => _chain.Posted.Count == 1);

        Assert.That(_chain.Posted.Single().Count, Is.EqualTo(2), "at 10 s the smaller batch goes out");
        Assert.That(_clock.GetUtcNow() - Start, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(10)));
        Assert.That(await InclusionAsync(first), Is.Not.Null);
        Assert.That(await InclusionAsync(second), Is.Not.Null);
        await poster.StopAsync(CancellationToken.None);
        LogAssert.VerifyNoErrors(logs);
    }

    [Test]
    public async Task Post_ChainFailsTwice_RetriedOnLaterTicksAndPostedOnceAsync()
    {
        _chain.FailNext = 2;
        using var poster = Poster(batchSize: 1, maxAge: TimeSpan.FromSeconds(10), out var logs);
        await poster.StartAsync(CancellationToken.None);
        var (jobId, digest) = await FinishJobAsync();

        poster.Add(jobId, digest, _clock.GetUtcNow());
        await TickUntilAsync(() => _chain.Posted.Count == 1);

        Assert.That(_chain.Attempts, Is.EqualTo(3), "two failed posts, then the one that succeeded");
        Assert.That(_chain.Posted.Single().Count, Is.EqualTo(1));
        Assert.That(await InclusionAsync(jobId), Is.Not.Null);
        Assert.That(logs.GetSnapshot().Count(r => r.Id.Id == 5015), Is.EqualTo(2), "each failed post is logged (Warning) once");
        await poster.StopAsync(CancellationToken.None);
        LogAssert.VerifyNoErrors(logs);
    }

    [Test]
    public async Task Start_AfterRestart_PostsJournaledUnbatchedReceiptsOnceAsync()
    {
        // Arrange: a first run finished three jobs; the chain was down, so none was posted, and the process stopped.
        _chain.FailNext = int.MaxValue;
        var jobs = new List<(byte[] JobId, byte[] Digest)>();
        using (var first = Poster(batchSize: 16, maxAge: TimeSpan.FromSeconds(1), out _))
        {
            await first.StartAsync(CancellationToken.None);
            for (var i = 0; i < 3; i++)
            {
                jobs.Add(await FinishJobAsync());
                first.Add(jobs[i].JobId, jobs[i].Digest, _clock.GetUtcNow());
            }

            await TickUntilAsync(() => _chain.Attempts >= 1);
            await first.StopAsync(CancellationToken.None);
        }

        // A fourth job was posted before the restart: it must not be posted again.
        var (posted, _) = await FinishJobAsync();
        await _journal.SetInclusionAsync(posted, new InclusionProof { BatchIndex = 99 }.ToByteArray(), CancellationToken.None);
        Assert.That(_chain.Posted, Is.Empty);

        // Act: the restarted poster (same journal) with the chain back; it is told about none of the jobs.
        _chain.FailNext = 0;
        using var second = Poster(batchSize: 16, maxAge: TimeSpan.FromSeconds(1), out var logs);
        await second.StartAsync(CancellationToken.None);
        await TickUntilAsync(() => _chain.Posted.Count == 1);

        // Assert
        Assert.That(_chain.Posted.Single().Count, Is.EqualTo(3));
        Assert.That(_chain.Posted.Single().Root, Is.EqualTo(new ReceiptMerkleTree(jobs.Select(j => new Hash32(j.Digest)).ToList()).Root), "the journaled receipts, oldest first");
        foreach (var (jobId, _) in jobs)
        {
            Assert.That(await InclusionAsync(jobId), Is.Not.Null);
        }

        Assert.That((await InclusionAsync(posted))!.BatchIndex, Is.EqualTo(99UL), "an already posted receipt keeps its batch");
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        Assert.That(_chain.Posted, Has.Count.EqualTo(1), "nothing is posted twice");
        await second.StopAsync(CancellationToken.None);
        LogAssert.VerifyNoErrors(logs);
    }

    [Test]
    public async Task Flush_PendingBelowSizeAndAge_PostsThemAllInOneBatchAsync()
    {
        using var poster = Poster(batchSize: 16, maxAge: TimeSpan.FromHours(1), out var logs);
        var (jobId, digest) = await FinishJobAsync();
        var (other, otherDigest) = await FinishJobAsync();
        poster.Add(jobId, digest, _clock.GetUtcNow());
        poster.Add(other, otherDigest, _clock.GetUtcNow());

        var count = await poster.FlushAsync(CancellationToken.None).DefaultTimeout();

        Assert.That(count, Is.EqualTo(2));
        Assert.That(_chain.Posted.Single().Count, Is.EqualTo(2));
        Assert.That(await poster.FlushAsync(CancellationToken.None).DefaultTimeout(), Is.Zero, "nothing is left to post");
        LogAssert.VerifyNoErrors(logs);
    }

    private ResultPoster Poster(int batchSize, TimeSpan maxAge, out FakeLogCollector logs)
    {
        var logger = new FakeLogger<ResultPoster>();
        logs = logger.Collector;
        // Registered: the poster waits for registration to settle the chain before it posts (RegistrationHeartbeat's job).
        var chain = new ChainBinding { Enabled = true, ChainId = 31337 };
        chain.Settle(null);
        return new ResultPoster(_node, chain, _journal, _chain,
            Options.Create(new RegistryOptions { BatchSize = batchSize, BatchMaxAge = maxAge }), _clock, logger);
    }

    /// <summary>A job finished in the journal, as the runner leaves it: SUCCEEDED with a receipt digest, no inclusion yet.</summary>
    private async Task<(byte[] JobId, byte[] Digest)> FinishJobAsync()
    {
        var jobId = RandomNumberGenerator.GetBytes(32);
        var digest = RandomNumberGenerator.GetBytes(32);
        await _journal.TryAddAsync(jobId, [1, 2, 3], RandomNumberGenerator.GetBytes(32), _node.Required.Address.ToArray(), new byte[32], CancellationToken.None).DefaultTimeout();
        await _journal.CompleteAsync(jobId, [4], [5], digest, CancellationToken.None).DefaultTimeout();
        return (jobId, digest);
    }

    private async Task<InclusionProof?> InclusionAsync(byte[] jobId)
    {
        var record = await _journal.GetAsync(jobId, CancellationToken.None).DefaultTimeout();
        return record?.Inclusion is null ? null : InclusionProof.Parser.ParseFrom(record.Inclusion);
    }

    /// <summary>Advances the fake clock one poster tick (1 s at most) at a time until <paramref name="done"/>, for at most 120 ticks.</summary>
    private async Task TickUntilAsync(Func<bool> done)
    {
        for (var i = 0; i < 120 && !done(); i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!done())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private sealed class FakeChain : IReceiptBatchPoster
    {
        private int _attempts;

        public int FailNext { get; set; }

        public int Attempts => Volatile.Read(ref _attempts);

        public List<(ulong Index, Hash32 Root, uint Count)> Posted { get; } = [];

        public Task<PostedBatch> PostBatchAsync(NodeAttestation attestation, Hash32 root, uint count, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            if (FailNext > 0)
            {
                FailNext--;
                throw new HttpRequestException("connection refused (the test's chain is down)");
            }

            lock (Posted)
            {
                var index = (ulong)Posted.Count;
                Posted.Add((index, root, count));
                return Task.FromResult(new PostedBatch(index, new Hash32(RandomNumberGenerator.GetBytes(32)), 100 + index));
            }
        }
    }
}
