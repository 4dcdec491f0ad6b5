using Google.Protobuf;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Client;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Jobs;

/// <summary>
/// The job runner inside the in-process agent (emulated TEE, SQLite journal in a temp directory, the real CPU backend behind
/// a test gate), on a <see cref="FakeTimeProvider"/>: the concurrency bound, the per-job wall-clock limit, failures after
/// acceptance as GetResult and WatchJob show them, and jobs resumed from the journal.
/// </summary>
public sealed class JobRunnerTests
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(30);

    private TempDirectory _directory = null!;
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory("runner");
        _time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task Run_MoreJobsThanWorkers_RunsAtMostMaxConcurrentJobsAtOnceAsync()
    {
        await using var agent = Start(new() { ["Agent:MaxConcurrentJobs"] = "2" });
        var (submitter, node) = await agent.SubmitterAsync();

        var jobs = Enumerable.Range(0, 5).Select(_ => submitter.RunAsync(node, Spec())).ToList();
        await agent.Backend.WaitEnteredAsync(2);
        await Task.Delay(300); // give a third worker, were there one, the time to take a job
        var enteredWhileGated = agent.Backend.Entered;
        agent.Backend.Open();
        var outcomes = await Task.WhenAll(jobs).DefaultTimeout();

        Assert.That(enteredWhileGated, Is.EqualTo(2));
        Assert.That(agent.Backend.MaxInside, Is.EqualTo(2));
        Assert.That(outcomes, Has.Length.EqualTo(5));
        Assert.That(agent.Services.GetRequiredService<JobRunner>().Concurrency, Is.EqualTo(2));
        LogAssert.VerifyNoErrors(agent.Logs);
    }

    [Test]
    public async Task Run_JobOverTimeLimit_FailsWithJobTimeoutThroughGetResultAndWatchJobAsync()
    {
        await using var agent = Start();
        var (submitter, node) = await agent.SubmitterAsync();
        var events = new EventLog();

        var job = submitter.RunAsync(node, Spec(), events);
        await agent.Backend.WaitEnteredAsync(1);
        _time.Advance(JobTimeout - TimeSpan.FromMilliseconds(1));
        await Task.Delay(100);
        Assert.That(job.IsCompleted, Is.False, "the job is failed at its deadline, not before");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var failure = await job.DefaultTimeout().ContinueWith(t => t.Exception?.InnerException as WorkerClientException, TaskScheduler.Default);
        agent.Backend.Open();

        Assert.That(failure, Is.Not.Null);
        Assert.That(failure!.Reason, Is.EqualTo(WorkerClientErrorReason.JobFailed));
        Assert.That(failure.RpcReason, Is.EqualTo("JOB_TIMEOUT"), "GetResult's public reason");
        Assert.That(failure.Message, Does.Contain("JOB_TIMEOUT: the job ran longer than the node's limit of 30 s"));
        Assert.That(events.States, Is.Ordered.And.Unique, "WatchJob streams state changes forward (a quick RUNNING may be folded into the next)");
        Assert.That(events.States[^1], Is.EqualTo(JobState.Failed));
        Assert.That(events.Last!.Detail, Does.StartWith("JOB_TIMEOUT: "), "WatchJob's terminal event carries the reason");
        LogAssert.VerifyNoErrors(agent.Logs);
    }

    [Test]
    public async Task Run_TimedOutJob_FreesItsWorkerOnlyWhenTheComputationStopsAsync()
    {
        await using var agent = Start(new() { ["Agent:MaxConcurrentJobs"] = "1" });
        var (submitter, node) = await agent.SubmitterAsync();
        var first = submitter.RunAsync(node, Spec());
        await agent.Backend.WaitEnteredAsync(1);
        _time.Advance(JobTimeout);
        var firstFailure = await first.DefaultTimeout().ContinueWith(t => t.Exception?.InnerException as WorkerClientException, TaskScheduler.Default);
        Assert.That(firstFailure?.RpcReason, Is.EqualTo("JOB_TIMEOUT"));

        var second = submitter.RunAsync(node, Spec());
        await Task.Delay(300);
        var enteredBeforeRelease = agent.Backend.Entered;
        agent.Backend.Open();
        await second.DefaultTimeout();

        Assert.That(enteredBeforeRelease, Is.EqualTo(1), "the bound counts a timed-out computation until it stops");
        Assert.That(agent.Backend.MaxInside, Is.EqualTo(1));
    }

    [Test]
    public async Task Run_CompletionCommitPending_WorkerTakesNextJobAndTheJobIsSucceededOnlyAfterTheCommitAsync()
    {
        await using var agent = Start(new() { ["Agent:MaxConcurrentJobs"] = "1" });
        var (_, node) = await agent.SubmitterAsync();
        using var client = agent.CreateWorkerClient();
        var first = await SubmitAsync(client, node);
        var second = await SubmitAsync(client, node);
        await agent.Backend.WaitEnteredAsync(1);

        await using (var writeLock = await JournalWriteLock.TakeAsync(_directory.File("journal.db")))
        {
            agent.Backend.Open();
            // One worker: the second job starts only if the worker did not wait for the first job's (blocked) commit.
            await agent.Backend.WaitEnteredAsync(2).DefaultTimeout();
            var waiting = client.GetResultAsync(first.JobId, first.AccessToken, waitForEnd: true);
            var now = await client.GetResultAsync(first.JobId, first.AccessToken).DefaultTimeout();
            await Task.Delay(200);

            Assert.That(now.State, Is.EqualTo(JobState.Running), "not SUCCEEDED before the completion is committed");
            Assert.That(now.Receipt, Is.Null);
            Assert.That(waiting.IsCompleted, Is.False, "wait_for_end answers only after the commit");
            await writeLock.ReleaseAsync();
            var result = await waiting.DefaultTimeout();
            var output = JobSubmitter.OpenOutput(result.SealedOutput, first.ResultKey, first.JobId, node);
            Assert.That(result.State, Is.EqualTo(JobState.Succeeded));
            Assert.That(ReceiptVerifier.Verify(result.Receipt, node, first.JobId, first.Request, output).Data.JobId.AsSpan().ToArray(), Is.EqualTo(first.JobId));
        }

        var secondResult = await client.GetResultAsync(second.JobId, second.AccessToken, waitForEnd: true).DefaultTimeout();
        Assert.That(secondResult.State, Is.EqualTo(JobState.Succeeded));
        Assert.That(agent.Backend.MaxInside, Is.EqualTo(1), "the bound on running jobs holds; only commits overlap");
        LogAssert.VerifyNoErrors(agent.Logs);
    }

    [Test]
    public async Task Drain_CompletionCommitPending_WaitsForTheCommitAndItsReceiptAsync()
    {
        await using var agent = Start();
        using var client = agent.CreateWorkerClient();
        var journal = agent.Services.GetRequiredService<JobJournal>();
        var (job, writeLock) = await CompletionCommitPendingAsync(agent, client);
        await using var _ = writeLock;
        var drain = agent.Services.GetRequiredService<JobRunner>().DrainAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        Assert.That(drain.IsCompleted, Is.False, "a drain waits for pending completion commits as for running jobs");

        await writeLock.ReleaseAsync();
        Assert.That(await drain.DefaultTimeout(), Is.True);
        var record = await journal.GetAsync(job.JobId, CancellationToken.None).DefaultTimeout();
        Assert.That(record!.State, Is.EqualTo(JobState.Succeeded));
        Assert.That(record.ReceiptDigest, Is.Not.Null);
        Assert.That((await journal.GetUnbatchedAsync(CancellationToken.None).DefaultTimeout()).Select(r => r.JobId), Has.One.EqualTo(job.JobId), "the receipt waits for the final batch");
        LogAssert.VerifyNoErrors(agent.Logs);
    }

    [Test]
    public async Task Drain_CompletionCommitStillBlockedAtTheDeadline_ReturnsFalseAndTheJobStillEndsSucceededAsync()
    {
        await using var agent = Start();
        using var client = agent.CreateWorkerClient();
        var (job, writeLock) = await CompletionCommitPendingAsync(agent, client);
        var drain = agent.Services.GetRequiredService<JobRunner>().DrainAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(100);
        _time.Advance(TimeSpan.FromSeconds(10));
        var drained = await drain.DefaultTimeout();
        await writeLock.DisposeAsync();
        var result = await client.GetResultAsync(job.JobId, job.AccessToken, waitForEnd: true).DefaultTimeout();

        Assert.That(drained, Is.False, "the deadline passed with the commit pending");
        Assert.That(result.State, Is.EqualTo(JobState.Succeeded), "the queued write is committed once the writer can");
    }

    [Test]
    public async Task Restart_QueuedJobOfPreviousIdentity_ResumesToFailedNodeKeyChangedAsync()
    {
        // A job accepted (QUEUED) by the node before a restart: the new process has new keys and cannot open it.
        var jobId = RandomNumberGenerator.GetBytes(32);
        var jobSecret = RandomNumberGenerator.GetBytes(JobSecrets.Length);
        var accessToken = JobSecrets.AccessToken(jobSecret);
        var envelope = new SealedEnvelope { Version = 1, Suite = new HpkeSuite { KemId = 0x20, KdfId = 1, AeadId = 3 }, Enc = Google.Protobuf.ByteString.CopyFrom(new byte[32]) }.ToByteArray();
        await using (var journal = JobJournal.Open(_directory.File("journal.db"), _time))
        {
            await journal.TryAddAsync(jobId, envelope, SHA256.HashData(envelope), RandomNumberGenerator.GetBytes(20), JobSecrets.AccessTokenHash(accessToken), CancellationToken.None).DefaultTimeout();
        }

        await using var agent = Start();
        using var client = agent.CreateWorkerClient();
        var events = new List<JobEvent>();
        await foreach (var change in client.WatchJobAsync(jobId, accessToken).WithCancellation(TaskTimeoutExtensions.DefaultTimeoutToken()))
        {
            events.Add(change);
        }

        var result = await client.GetResultAsync(jobId, accessToken).DefaultTimeout();

        Assert.That(events[^1].State, Is.EqualTo(JobState.Failed));
        Assert.That(events[^1].Detail, Does.StartWith("NODE_KEY_CHANGED: "));
        Assert.That(result.State, Is.EqualTo(JobState.Failed));
        Assert.That(result.Error, Does.StartWith("NODE_KEY_CHANGED: "));
        Assert.That(agent.Backend.Entered, Is.Zero, "never opened, never run");
    }

    [Test]
    public async Task Resume_JournaledJobNotOpenedInThisProcess_OpensItFromTheJournalAndSucceedsAsync()
    {
        await using var agent = Start();
        agent.Backend.Open();
        var (_, node) = await agent.SubmitterAsync();
        var jobId = RandomNumberGenerator.GetBytes(32);
        var jobSecret = RandomNumberGenerator.GetBytes(JobSecrets.Length);
        var accessToken = JobSecrets.AccessToken(jobSecret);
        using var resultKey = Crypto.Keys.X25519KeyPair.Generate();
        var request = new JobRequest
        {
            Model = Google.Protobuf.ByteString.CopyFrom(TinyMlp.Model),
            ResultPublicKey = Google.Protobuf.ByteString.CopyFrom(resultKey.PublicKey),
            JobSecret = Google.Protobuf.ByteString.CopyFrom(jobSecret),
        };
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = Google.Protobuf.ByteString.CopyFrom(TinyMlp.Input) });
        var sealedJob = JobSubmitter.Seal(node, jobId, request, Spec()).Envelope.ToByteArray();

        // What a restart does: the job is in the journal only, and the runner gets its id from the queue.
        var journal = agent.Services.GetRequiredService<JobJournal>();
        await journal.TryAddAsync(jobId, sealedJob, SHA256.HashData(sealedJob), node.Address.ToArray(), JobSecrets.AccessTokenHash(accessToken), CancellationToken.None).DefaultTimeout();
        Assert.That(await agent.Services.GetRequiredService<JobQueue>().TryEnqueueAsync(jobId, CancellationToken.None).DefaultTimeout(), Is.True);
        using var client = agent.CreateWorkerClient();
        await foreach (var _ in client.WatchJobAsync(jobId, accessToken).WithCancellation(TaskTimeoutExtensions.DefaultTimeoutToken()))
        {
        }

        var result = await client.GetResultAsync(jobId, accessToken).DefaultTimeout();
        var output = JobSubmitter.OpenOutput(result.SealedOutput, resultKey, jobId, node);
        var receipt = ReceiptVerifier.Verify(result.Receipt, node, jobId, request, output);

        Assert.That(result.State, Is.EqualTo(JobState.Succeeded));
        Assert.That(receipt.Data.JobId.AsSpan().ToArray(), Is.EqualTo(jobId));
        Assert.That(await journal.GetEnvelopeAsync(jobId, CancellationToken.None).DefaultTimeout(), Is.Null, "the envelope is deleted once the job ended");
        LogAssert.VerifyNoErrors(agent.Logs);
    }

    [Test]
    public async Task GetResult_WaitForEnd_AnswersOnlyOnceTheJobEndedWithItsResultAsync()
    {
        await using var agent = Start();
        var (_, node) = await agent.SubmitterAsync();
        var jobId = RandomNumberGenerator.GetBytes(32);
        var jobSecret = RandomNumberGenerator.GetBytes(JobSecrets.Length);
        var accessToken = JobSecrets.AccessToken(jobSecret);
        using var resultKey = Crypto.Keys.X25519KeyPair.Generate();
        var request = new JobRequest
        {
            Model = ByteString.CopyFrom(TinyMlp.Model),
            ResultPublicKey = ByteString.CopyFrom(resultKey.PublicKey),
            JobSecret = ByteString.CopyFrom(jobSecret),
        };
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(TinyMlp.Input) });
        using var client = agent.CreateWorkerClient();
        await client.SubmitJobAsync(JobSubmitter.Seal(node, jobId, request, Spec())).DefaultTimeout();
        await agent.Backend.WaitEnteredAsync(1);

        var waiting = client.GetResultAsync(jobId, accessToken, waitForEnd: true);
        var now = await client.GetResultAsync(jobId, accessToken).DefaultTimeout();
        await Task.Delay(200);
        Assert.That(waiting.IsCompleted, Is.False, "wait_for_end holds the call while the job runs");
        Assert.That(now.State, Is.AnyOf(JobState.Queued, JobState.Running), "without wait_for_end GetResult answers at once (RUNNING is journaled without waiting)");
        agent.Backend.Open();
        var result = await waiting.DefaultTimeout();
        var again = await client.GetResultAsync(jobId, accessToken, waitForEnd: true).DefaultTimeout();

        Assert.That(result.State, Is.EqualTo(JobState.Succeeded));
        var output = JobSubmitter.OpenOutput(result.SealedOutput, resultKey, jobId, node);
        Assert.That(ReceiptVerifier.Verify(result.Receipt, node, jobId, request, output).Data.JobId.AsSpan().ToArray(), Is.EqualTo(jobId));
        Assert.That(again, Is.EqualTo(result), "a job that has ended is answered at once, the same");
        LogAssert.VerifyNoErrors(agent.Logs);
    }

    [Test]
    public async Task GetResult_WaitForEndWithWrongAccessToken_IsDeniedAtOnceAsync()
    {
        await using var agent = Start();
        var (_, node) = await agent.SubmitterAsync();
        var jobId = RandomNumberGenerator.GetBytes(32);
        using var resultKey = Crypto.Keys.X25519KeyPair.Generate();
        var request = new JobRequest
        {
            Model = ByteString.CopyFrom(TinyMlp.Model),
            ResultPublicKey = ByteString.CopyFrom(resultKey.PublicKey),
            JobSecret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(JobSecrets.Length)),
        };
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(TinyMlp.Input) });
        using var client = agent.CreateWorkerClient();
        await client.SubmitJobAsync(JobSubmitter.Seal(node, jobId, request, Spec())).DefaultTimeout();
        await agent.Backend.WaitEnteredAsync(1);

        var denied = Assert.ThrowsAsync<WorkerClientException>(() => client.GetResultAsync(jobId, new byte[32], waitForEnd: true).DefaultTimeout());
        var missing = Assert.ThrowsAsync<WorkerClientException>(() => client.GetResultAsync(jobId, ReadOnlyMemory<byte>.Empty, waitForEnd: true).DefaultTimeout());
        agent.Backend.Open();

        Assert.That(denied!.RpcReason, Is.EqualTo("ACCESS_DENIED"), "refused while the job still runs, not after it ended");
        Assert.That(missing!.RpcReason, Is.EqualTo("ACCESS_TOKEN_MISSING"));
    }

    [Test]
    public async Task ByReference_ModelEvicted_SdkUploadsAgainTransparentlyAsync()
    {
        await using var agent = Start(new() { ["Agent:MaxCachedModels"] = "1" });
        agent.Backend.Open();
        var (submitter, node) = await agent.SubmitterAsync();
        var other = TinyMlp.Model.Concat(new byte[] { 0x32, 0x01, 0x41 }).ToArray(); // the same graph with a doc_string: another model id

        var first = await submitter.RunAsync(node, Spec()).DefaultTimeout();
        await submitter.RunAsync(node, new JobSpec(other, [("x", TinyMlp.Input)])).DefaultTimeout(); // evicts the first model
        var again = await submitter.RunAsync(node, Spec()).DefaultTimeout();

        Assert.That(agent.Services.GetRequiredService<ModelStore>().Uploads, Is.EqualTo(3), "uploads: first model, second model, first model again");
        Assert.That(agent.Services.GetRequiredService<ModelStore>().Count, Is.EqualTo(1));
        Assert.That(again.Receipt.Data.ModelHash, Is.Not.EqualTo(first.Receipt.Data.ModelHash), "salted per job");
        Assert.That(agent.Logs.GetSnapshot().Any(r => r.Level >= LogLevel.Warning && r.Message.Contains("MODEL_NOT_CACHED", StringComparison.Ordinal)), Is.False,
            "a refusal before acceptance is not a job failure");
        LogAssert.VerifyNoErrors(agent.Logs);
    }

    [Test]
    public async Task ByReference_ReceiptModelHash_EqualsTheInlineFormsAsync()
    {
        await using var agent = Start();
        agent.Backend.Open();
        var (submitter, node) = await agent.SubmitterAsync();

        var byReference = await submitter.RunAsync(node, Spec()).DefaultTimeout();
        var inline = await submitter.RunAsync(node, Spec() with { ModelTransfer = ModelTransfer.Inline }).DefaultTimeout();

        var salt = JobSecrets.ReceiptSalt(byReference.JobSecret);
        Assert.That(byReference.Receipt.Data.ModelHash, Is.EqualTo(JobReceiptHashes.Model(salt.AsSpan(), TinyMlp.Model)));
        var inlineSalt = JobSecrets.ReceiptSalt(inline.JobSecret);
        Assert.That(inline.Receipt.Data.ModelHash, Is.EqualTo(JobReceiptHashes.Model(inlineSalt.AsSpan(), TinyMlp.Model)));
    }

    [Test]
    public async Task ByReference_UnknownModel_RefusedWithModelNotCachedAndNotJournaledAsync()
    {
        await using var agent = Start();
        var (_, node) = await agent.SubmitterAsync();
        using var client = agent.CreateWorkerClient();
        var jobId = RandomNumberGenerator.GetBytes(32);
        var request = new JobRequest
        {
            ModelRef = new ModelReference
            {
                ModelHash = Google.Protobuf.ByteString.CopyFrom(JobReceiptHashes.ModelId(TinyMlp.Model).AsSpan()),
                ModelSecret = Google.Protobuf.ByteString.CopyFrom(new byte[32]),
            },
            ResultPublicKey = Google.Protobuf.ByteString.CopyFrom(new byte[32]),
            JobSecret = Google.Protobuf.ByteString.CopyFrom(new byte[32]),
        };

        var refusal = Assert.CatchAsync<WorkerClientException>(() => client.SubmitJobAsync(JobSubmitter.Seal(node, jobId, request, Spec())).DefaultTimeout());

        Assert.That(refusal!.RpcReason, Is.EqualTo("MODEL_NOT_CACHED"));
        Assert.That(refusal.StatusCode, Is.EqualTo(global::Grpc.Core.StatusCode.FailedPrecondition));
        Assert.That(await agent.Services.GetRequiredService<JobJournal>().GetAsync(jobId, CancellationToken.None).DefaultTimeout(), Is.Null);
    }

    private static JobSpec Spec() => new(TinyMlp.Model, [("x", TinyMlp.Input)]);

    /// <summary>One job computed and signed, its completion waiting for the writer behind another connection's write lock.</summary>
    private async Task<(SealedTestJob Job, JournalWriteLock WriteLock)> CompletionCommitPendingAsync(GatedAgent agent, WorkerClient client)
    {
        var (_, node) = await agent.SubmitterAsync();
        var job = await SubmitAsync(client, node);
        await agent.Backend.WaitEnteredAsync(1);
        var writeLock = await JournalWriteLock.TakeAsync(_directory.File("journal.db"));
        agent.Backend.Open();
        var runner = agent.Services.GetRequiredService<JobRunner>();
        await WaitUntilAsync(() => runner.Running == 0);
        return (job, writeLock);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var timeout = TaskTimeoutExtensions.DefaultTimeoutToken();
        while (!condition())
        {
            await Task.Delay(10, timeout);
        }
    }

    /// <summary>A job sealed and submitted inline (SubmitJob returns once it is journaled QUEUED), with what opens its result.</summary>
    private static async Task<SealedTestJob> SubmitAsync(WorkerClient client, VerifiedNode node)
    {
        var job = SealedTestJob.Create(node, Spec());
        await client.SubmitJobAsync(job.Sealed).DefaultTimeout();
        return job;
    }

    /// <summary>
    /// Another SQLite connection holding the journal's write lock (<c>BEGIN IMMEDIATE</c>): the agent's writer waits at its
    /// next transaction (busy timeout) while readers go on (WAL), as when the disk stalls a commit.
    /// </summary>
    private sealed class JournalWriteLock : IAsyncDisposable
    {
        private readonly Microsoft.Data.Sqlite.SqliteConnection _connection;
        private bool _released;

        private JournalWriteLock(Microsoft.Data.Sqlite.SqliteConnection connection) => _connection = connection;

        public static async Task<JournalWriteLock> TakeAsync(string path)
        {
            var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False;Default Timeout=30");
            await connection.OpenAsync();
            await using var begin = connection.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
            return new JournalWriteLock(connection);
        }

        public async Task ReleaseAsync()
        {
            if (_released)
            {
                return;
            }

            _released = true;
            await using var rollback = _connection.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await ReleaseAsync();
            await _connection.DisposeAsync();
        }
    }

    private GatedAgent Start(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Attestation:Tee"] = "emulated",
            ["Agent:JournalPath"] = _directory.File("journal.db"),
            ["Agent:MetricsListen"] = "",
            ["Agent:JobTimeout"] = JobTimeout.ToString(),
            ["Compute:Backend"] = "cpu",
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        return new GatedAgent(all, _time);
    }

    private sealed class EventLog : IProgress<JobEvent>
    {
        private readonly List<JobEvent> _events = [];

        public IReadOnlyList<JobState> States
        {
            get
            {
                lock (_events)
                {
                    return _events.Select(e => e.State).ToArray();
                }
            }
        }

        public JobEvent? Last
        {
            get
            {
                lock (_events)
                {
                    return _events.LastOrDefault();
                }
            }
        }

        public void Report(JobEvent value)
        {
            lock (_events)
            {
                _events.Add(value);
            }
        }
    }
}
