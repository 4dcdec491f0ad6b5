using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Jobs;

public sealed class JobJournalTests
{
    private TempDirectory _directory = null!;
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory("journal");
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task TryAdd_NewJob_IsQueuedAsync()
    {
        await using var journal = JobJournal.Open(_directory.File("j.db"), _time);
        var (id, envelope, digest) = NewJob();

        var outcome = await journal.TryAddAsync(id, envelope, digest, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();
        var record = await journal.GetAsync(id, CancellationToken.None).DefaultTimeout();

        Assert.That(outcome, Is.EqualTo(new SubmitOutcome(SubmitDisposition.Added, JobState.Queued)));
        Assert.That(record!.State, Is.EqualTo(JobState.Queued));
        Assert.That(await journal.GetEnvelopeAsync(id, CancellationToken.None).DefaultTimeout(), Is.EqualTo(envelope));
    }

    [Test]
    public async Task TryAdd_SameEnvelopeAgain_IsDuplicateAsync()
    {
        await using var journal = JobJournal.Open(_directory.File("j.db"), _time);
        var (id, envelope, digest) = NewJob();
        await journal.TryAddAsync(id, envelope, digest, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();

        var outcome = await journal.TryAddAsync(id, envelope, digest, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();

        Assert.That(outcome.Disposition, Is.EqualTo(SubmitDisposition.Duplicate));
    }

    [Test]
    public async Task TryAdd_OtherEnvelopeSameId_IsConflictAsync()
    {
        await using var journal = JobJournal.Open(_directory.File("j.db"), _time);
        var (id, envelope, digest) = NewJob();
        await journal.TryAddAsync(id, envelope, digest, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();
        var (_, other, otherDigest) = NewJob();

        var outcome = await journal.TryAddAsync(id, other, otherDigest, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();

        Assert.That(outcome.Disposition, Is.EqualTo(SubmitDisposition.Conflict));
    }

    [Test]
    public async Task Reopen_AfterRestart_KeepsUnfinishedAndFinishedJobsAsync()
    {
        var path = _directory.File("j.db");
        var (queued, e1, d1) = NewJob();
        var (running, e2, d2) = NewJob();
        var (done, e3, d3) = NewJob();
        await using (var journal = JobJournal.Open(path, _time))
        {
            await journal.TryAddAsync(queued, e1, d1, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();
            await journal.TryAddAsync(running, e2, d2, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();
            await journal.TryAddAsync(done, e3, d3, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();
            await journal.MarkRunningAsync(running, CancellationToken.None).DefaultTimeout();
            await journal.CompleteAsync(done, [1, 2], [3, 4], new byte[32], CancellationToken.None).DefaultTimeout();
        }

        await using var reopened = JobJournal.Open(path, _time);
        var unfinished = await reopened.GetUnfinishedAsync(CancellationToken.None).DefaultTimeout();
        var finished = await reopened.GetAsync(done, CancellationToken.None).DefaultTimeout();
        var unbatched = await reopened.GetUnbatchedAsync(CancellationToken.None).DefaultTimeout();

        Assert.That(unfinished, Is.EqualTo(new[] { queued, running }));
        Assert.That(finished!.State, Is.EqualTo(JobState.Succeeded));
        Assert.That(finished.SealedOutput, Is.EqualTo(new byte[] { 1, 2 }));
        Assert.That(unbatched.Select(u => u.JobId), Is.EqualTo(new[] { done }));
    }

    [Test]
    public async Task SetInclusion_FinishedJob_LeavesUnbatchedAsync()
    {
        await using var journal = JobJournal.Open(_directory.File("j.db"), _time);
        var (id, envelope, digest) = NewJob();
        await journal.TryAddAsync(id, envelope, digest, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();
        await journal.CompleteAsync(id, [1], [2], new byte[32], CancellationToken.None).DefaultTimeout();

        await journal.SetInclusionAsync(id, [9], CancellationToken.None).DefaultTimeout();

        Assert.That(await journal.GetUnbatchedAsync(CancellationToken.None).DefaultTimeout(), Is.Empty);
        Assert.That((await journal.GetAsync(id, CancellationToken.None).DefaultTimeout())!.Inclusion, Is.EqualTo(new byte[] { 9 }));
    }

    [Test]
    public async Task Fail_Job_KeepsReasonAsync()
    {
        await using var journal = JobJournal.Open(_directory.File("j.db"), _time);
        var (id, envelope, digest) = NewJob();
        await journal.TryAddAsync(id, envelope, digest, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();

        await journal.FailAsync(id, "MODEL_UNSUPPORTED_OPERATOR: Foo", CancellationToken.None).DefaultTimeout();
        var record = await journal.GetAsync(id, CancellationToken.None).DefaultTimeout();

        Assert.That(record!.State, Is.EqualTo(JobState.Failed));
        Assert.That(record.Detail, Is.EqualTo("MODEL_UNSUPPORTED_OPERATOR: Foo"));
        Assert.That(record.IsTerminal, Is.True);
    }

    [Test]
    public async Task Complete_Job_DeletesEnvelopeKeepsDigestAsync()
    {
        await using var journal = JobJournal.Open(_directory.File("j.db"), _time);
        var (id, envelope, digest) = NewJob();
        await journal.TryAddAsync(id, envelope, digest, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();

        await journal.CompleteAsync(id, [1], [2], new byte[32], CancellationToken.None).DefaultTimeout();

        Assert.That(await journal.GetEnvelopeAsync(id, CancellationToken.None).DefaultTimeout(), Is.Null);
        Assert.That((await journal.GetAsync(id, CancellationToken.None).DefaultTimeout())!.EnvelopeDigest, Is.EqualTo(digest));
        var again = await journal.TryAddAsync(id, envelope, digest, new byte[20], new byte[32], CancellationToken.None).DefaultTimeout();
        Assert.That(again, Is.EqualTo(new SubmitOutcome(SubmitDisposition.Duplicate, JobState.Succeeded)));
    }

    [TestCase(JournalDurability.Strict, 2)]
    [TestCase(JournalDurability.Process, 1)]
    public async Task Open_Durability_SetsSynchronousModeAsync(JournalDurability durability, long expected)
    {
        var path = _directory.File("j.db");
        await using var journal = JobJournal.Open(path, _time, durability);

        Assert.That(journal.Durability, Is.EqualTo(durability));
        Assert.That(JobJournal.SynchronousMode(durability), Is.EqualTo(expected == 2 ? "FULL" : "NORMAL"));
        Assert.That(await journal.ReadWriterPragmaAsync("synchronous").DefaultTimeout(), Is.EqualTo(expected));
    }

    [Test]
    public async Task ConcurrentWrites_AllCommittedInGroupsAndSurviveReopenAsync()
    {
        var path = _directory.File("j.db");
        var jobs = Enumerable.Range(0, 300).Select(_ => NewJob()).ToList();
        await using (var journal = JobJournal.Open(path, _time))
        {
            var adds = jobs.Select(j => journal.TryAddAsync(j.Id, j.Envelope, j.Digest, new byte[20], new byte[32], CancellationToken.None)).ToList();
            var outcomes = await Task.WhenAll(adds).DefaultTimeout();
            var (commits, writes) = journal.CommitStatistics;

            Assert.That(outcomes.Select(o => o.Disposition), Is.All.EqualTo(SubmitDisposition.Added));
            Assert.That(writes, Is.EqualTo(300));
            Assert.That(commits, Is.InRange(1, 300));
        }

        await using var reopened = JobJournal.Open(path, _time);
        Assert.That(await reopened.GetUnfinishedAsync(CancellationToken.None).DefaultTimeout(), Has.Count.EqualTo(300));
    }

    [Test]
    public async Task FailingWrite_FailsAloneInItsGroupAsync()
    {
        await using var journal = JobJournal.Open(_directory.File("j.db"), _time);
        var (id, envelope, digest) = NewJob();
        var (other, otherEnvelope, otherDigest) = NewJob();

        var bad = journal.ExecuteForTestAsync("INSERT INTO no_such_table VALUES (1)");
        var good = journal.TryAddAsync(id, envelope, digest, new byte[20], new byte[32], CancellationToken.None);
        var alsoGood = journal.TryAddAsync(other, otherEnvelope, otherDigest, new byte[20], new byte[32], CancellationToken.None);

        var error = await bad.DefaultTimeout().ContinueWith(t => t.Exception?.InnerException, TaskScheduler.Default);
        Assert.That(error, Is.InstanceOf<Microsoft.Data.Sqlite.SqliteException>());
        Assert.That((await good.DefaultTimeout()).Disposition, Is.EqualTo(SubmitDisposition.Added));
        Assert.That((await alsoGood.DefaultTimeout()).Disposition, Is.EqualTo(SubmitDisposition.Added));
        Assert.That(await journal.GetAsync(other, CancellationToken.None).DefaultTimeout(), Is.Not.Null);
    }

    [Test]
    public async Task Get_UnknownJob_IsNullAsync()
    {
        await using var journal = JobJournal.Open(_directory.File("j.db"), _time);

        Assert.That(await journal.GetAsync(new byte[32], CancellationToken.None).DefaultTimeout(), Is.Null);
    }

    private static (byte[] Id, byte[] Envelope, byte[] Digest) NewJob()
    {
        var envelope = RandomNumberGenerator.GetBytes(64);
        return (RandomNumberGenerator.GetBytes(32), envelope, SHA256.HashData(envelope));
    }
}
