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
        Assert.That(record.Envelope, Is.EqualTo(envelope));
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
