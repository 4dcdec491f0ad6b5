using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Agent.Limits;
using PhalaWorker.Chain;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Jobs;

/// <summary>Finished jobs leave the journal after the retention period; envelopes leave it when the job finishes. Real SQLite, fake clock.</summary>
public sealed class JournalRetentionTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private TempDirectory _directory = null!;
    private FakeTimeProvider _clock = null!;
    private JobJournal _journal = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory("retention");
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));
        _journal = JobJournal.Open(_directory.File("journal.db"), _clock);
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await _journal.DisposeAsync();
        _directory.Dispose();
    }

    [Test]
    public async Task CompleteAndFail_DropTheEnvelopeAtOnceAsync()
    {
        var succeeded = await AddAsync();
        var failed = await AddAsync();
        var queued = await AddAsync();

        await _journal.CompleteAsync(succeeded, [1], [2], [3], CancellationToken.None).DefaultTimeout();
        await _journal.FailAsync(failed, "MODEL_INVALID: refused", CancellationToken.None).DefaultTimeout();

        Assert.That(await _journal.GetEnvelopeAsync(succeeded, CancellationToken.None), Is.Null.Or.Empty);
        Assert.That(await _journal.GetEnvelopeAsync(failed, CancellationToken.None), Is.Null.Or.Empty);
        Assert.That(await _journal.GetEnvelopeAsync(queued, CancellationToken.None), Is.Not.Null.And.Not.Empty, "an unfinished job keeps its envelope: it still has to run");
        Assert.That((await GetAsync(succeeded))!.EnvelopeDigest, Has.Length.EqualTo(32), "the digest stays, for duplicate and conflict checks");
    }

    [Test]
    public async Task DeleteFinished_PastRetention_DeletesFinishedKeepsUnpostedAndUnfinishedAsync()
    {
        // Arrange: at t0 one job of each kind.
        var failed = await AddAsync();
        await _journal.FailAsync(failed, "MODEL_INVALID: refused", CancellationToken.None);
        var posted = await AddAsync();
        await _journal.CompleteAsync(posted, [1], [2], [3], CancellationToken.None);
        await _journal.SetInclusionAsync(posted, [9], CancellationToken.None);
        var unposted = await AddAsync();
        await _journal.CompleteAsync(unposted, [1], [2], [3], CancellationToken.None);
        var queued = await AddAsync();
        _clock.Advance(Retention - TimeSpan.FromMinutes(1));
        var young = await AddAsync();
        await _journal.FailAsync(young, "MODEL_INVALID: refused", CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(2));

        // Act
        var deleted = await _journal.DeleteFinishedAsync(_clock.GetUtcNow() - Retention, requireInclusion: true, CancellationToken.None).DefaultTimeout();

        // Assert
        Assert.That(deleted, Is.EqualTo(2));
        Assert.That(await GetAsync(failed), Is.Null);
        Assert.That(await GetAsync(posted), Is.Null);
        Assert.That(await GetAsync(unposted), Is.Not.Null, "a receipt not yet in a batch stays for the poster");
        Assert.That(await GetAsync(queued), Is.Not.Null, "an accepted job is never deleted");
        Assert.That(await GetAsync(young), Is.Not.Null, "younger than the retention period");
    }

    [Test]
    public async Task DeleteFinished_WithoutChain_DeletesUnpostedSucceededAsync()
    {
        var unposted = await AddAsync();
        await _journal.CompleteAsync(unposted, [1], [2], [3], CancellationToken.None);
        _clock.Advance(Retention + TimeSpan.FromSeconds(1));

        var deleted = await _journal.DeleteFinishedAsync(_clock.GetUtcNow() - Retention, requireInclusion: false, CancellationToken.None).DefaultTimeout();

        Assert.That(deleted, Is.EqualTo(1));
        Assert.That(await GetAsync(unposted), Is.Null);
    }

    [Test]
    public async Task Sweep_EachPeriod_DeletesWhatAgedOutAsync()
    {
        // Arrange: retention 24 h, swept hourly, no chain configured.
        var logger = new FakeLogger<JournalRetention>();
        using var retention = new JournalRetention(_journal,
            Options.Create(new LimitsOptions { FinishedJobRetention = Retention, RetentionSweepPeriod = TimeSpan.FromHours(1) }),
            Options.Create(new ChainOptions()), _clock, logger);
        var job = await AddAsync();
        await _journal.FailAsync(job, "MODEL_INVALID: refused", CancellationToken.None);
        await retention.StartAsync(CancellationToken.None);

        // Act: 23 hourly sweeps keep it, the 25th (past 24 h) deletes it.
        for (var hour = 1; hour <= 23; hour++)
        {
            _clock.Advance(TimeSpan.FromHours(1));
        }

        await Task.Delay(100);
        var kept = await GetAsync(job);
        _clock.Advance(TimeSpan.FromHours(2));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await GetAsync(job) is not null)
        {
            await Task.Delay(20, timeout.Token);
        }

        await retention.StopAsync(CancellationToken.None);

        // Assert
        Assert.That(kept, Is.Not.Null);
        Assert.That(logger.Collector.GetSnapshot().Any(r => r.Id.Id == 5082), Is.True, "the sweep logs how many rows it deleted");
        LogAssert.VerifyNoErrors(logger.Collector);
    }

    private async Task<byte[]> AddAsync()
    {
        var id = RandomNumberGenerator.GetBytes(32);
        await _journal.TryAddAsync(id, RandomNumberGenerator.GetBytes(100), RandomNumberGenerator.GetBytes(32), new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();
        return id;
    }

    private Task<JobRecord?> GetAsync(byte[] id) => _journal.GetAsync(id, CancellationToken.None).DefaultTimeout();
}
