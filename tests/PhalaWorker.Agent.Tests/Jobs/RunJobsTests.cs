using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Client;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Jobs;

/// <summary>
/// RunJobs (many jobs on one call) through the SDK's <see cref="JobStream"/> and <see cref="JobSubmitter"/> against the
/// in-process agent: results matched by job id and verified, per-job refusals that leave the call open, duplicates, the
/// per-call bound on unanswered jobs, the per-client job rate shared with SubmitJob, and the per-message size bound.
/// </summary>
public sealed class RunJobsTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory("runjobs");

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task RunJobs_ManyConcurrentJobsOnOneCall_EachAnsweredWithItsOwnVerifiedResultAsync()
    {
        await using var agent = Start();
        agent.Backend.Open();
        var (_, node) = await agent.SubmitterAsync();
        using var client = agent.CreateWorkerClient();
        await using var stream = client.OpenJobStream();

        var jobs = Enumerable.Range(0, 24).Select(_ => SealedTestJob.Create(node, Spec())).ToList();
        var answers = await Task.WhenAll(jobs.Select(j => stream.RunAsync(j.Sealed))).DefaultTimeout();

        for (var i = 0; i < jobs.Count; i++)
        {
            Assert.That(answers[i].JobId.ToByteArray(), Is.EqualTo(jobs[i].JobId));
            Assert.That(answers[i].Result.State, Is.EqualTo(JobState.Succeeded));
            var output = JobSubmitter.OpenOutput(answers[i].Result.SealedOutput, jobs[i].ResultKey, jobs[i].JobId, node);
            var receipt = ReceiptVerifier.Verify(answers[i].Result.Receipt, node, jobs[i].JobId, jobs[i].Request, output);
            Assert.That(receipt.Data.JobId.AsSpan().ToArray(), Is.EqualTo(jobs[i].JobId));
        }

        var journal = agent.Services.GetRequiredService<JobJournal>();
        Assert.That((await journal.GetAsync(jobs[^1].JobId, CancellationToken.None).DefaultTimeout())!.State, Is.EqualTo(JobState.Succeeded));
        LogAssert.VerifyNoErrors(agent.Logs);
    }

    [Test]
    public async Task RunJobs_RefusedAndDuplicateJobs_AnsweredPerJobWhileTheCallGoesOnAsync()
    {
        await using var agent = Start();
        agent.Backend.Open();
        var (_, node) = await agent.SubmitterAsync();
        using var client = agent.CreateWorkerClient();
        await using var stream = client.OpenJobStream();

        var badId = new SubmitJobRequest { JobId = ByteString.CopyFrom(new byte[5]), Envelope = SealedTestJob.Create(node, Spec()).Sealed.Envelope };
        var idRefusal = Assert.CatchAsync<WorkerClientException>(() => stream.RunAsync(badId).DefaultTimeout());
        var uncached = SealedTestJob.Create(node, Spec());
        uncached.Request.Model = ByteString.Empty;
        uncached.Request.ModelRef = new ModelReference { ModelHash = ByteString.CopyFrom(new byte[32]), ModelSecret = ByteString.CopyFrom(new byte[32]) };
        var modelRefusal = Assert.CatchAsync<WorkerClientException>(() => stream.RunAsync(JobSubmitter.Seal(node, uncached.JobId, uncached.Request, Spec())).DefaultTimeout());
        var job = SealedTestJob.Create(node, Spec());
        var first = await stream.RunAsync(job.Sealed).DefaultTimeout();
        var again = await stream.RunAsync(job.Sealed).DefaultTimeout();

        Assert.That(idRefusal!.RpcReason, Is.EqualTo("JOB_ID_LENGTH"));
        Assert.That(idRefusal.StatusCode, Is.EqualTo(global::Grpc.Core.StatusCode.InvalidArgument));
        Assert.That(modelRefusal!.RpcReason, Is.EqualTo("MODEL_NOT_CACHED"));
        Assert.That(modelRefusal.StatusCode, Is.EqualTo(global::Grpc.Core.StatusCode.FailedPrecondition));
        Assert.That(first.Result.State, Is.EqualTo(JobState.Succeeded), "refusals answered as messages leave the call open");
        Assert.That(again.OutcomeCase, Is.EqualTo(RunJobsResponse.OutcomeOneofCase.Known));
        Assert.That(again.Known.Duplicate, Is.True);
        Assert.That(again.Known.State, Is.EqualTo(JobState.Succeeded));
        Assert.That(stream.IsBroken, Is.False);
    }

    [Test]
    public async Task RunJobs_MoreJobsThanMaxJobsPerStream_ReadsTheNextOnlyOnceOneIsAnsweredAsync()
    {
        await using var agent = Start(new() { ["Agent:Limits:MaxJobsPerStream"] = "2", ["Agent:MaxConcurrentJobs"] = "4" });
        var (_, node) = await agent.SubmitterAsync();
        using var client = agent.CreateWorkerClient();
        await using var stream = client.OpenJobStream();
        var journal = agent.Services.GetRequiredService<JobJournal>();

        var jobs = Enumerable.Range(0, 4).Select(_ => SealedTestJob.Create(node, Spec())).ToList();
        var running = jobs.Select(j => stream.RunAsync(j.Sealed)).ToList();
        await agent.Backend.WaitEnteredAsync(2).DefaultTimeout();
        await Task.Delay(300); // time for a third job to be read and accepted, were the bound not held
        var journaled = 0;
        foreach (var job in jobs)
        {
            journaled += await journal.GetAsync(job.JobId, CancellationToken.None).DefaultTimeout() is null ? 0 : 1;
        }

        var enteredWhileGated = agent.Backend.Entered;
        agent.Backend.Open();
        var answers = await Task.WhenAll(running).DefaultTimeout();

        Assert.That(journaled, Is.EqualTo(2), "two unanswered jobs per call: the third is not read");
        Assert.That(enteredWhileGated, Is.EqualTo(2));
        Assert.That(answers.Select(a => a.Result.State), Is.All.EqualTo(JobState.Succeeded));
    }

    [Test]
    public async Task RunJobs_JobsBeyondTheClientsSubmitTokens_RefusedRateLimitedPerJobAsync()
    {
        await using var agent = Start(new()
        {
            ["Agent:Limits:RateLimitsEnabled"] = "true",
            ["Agent:Limits:SubmitBurst"] = "3",
            ["Agent:Limits:SubmitPerSecond"] = "1",
        });
        agent.Backend.Open();
        var (_, node) = await agent.SubmitterAsync();
        using var client = agent.CreateWorkerClient();
        await using var stream = client.OpenJobStream();

        // Sent at once (one token per second refills; the six are read well within that second).
        var jobs = Enumerable.Range(0, 6).Select(_ => SealedTestJob.Create(node, Spec())).ToList();
        var outcomes = await Task.WhenAll(jobs.Select(async job =>
        {
            try
            {
                return (await stream.RunAsync(job.Sealed)).Result.State.ToString();
            }
            catch (WorkerClientException ex)
            {
                return ex.RpcReason ?? "none";
            }
        })).DefaultTimeout();

        // The call took one token, its first job none (as a SubmitJob call spends one), each later job one: 3 pass of 6.
        Assert.That(outcomes.Count(o => o == nameof(JobState.Succeeded)), Is.EqualTo(3), string.Join(", ", outcomes));
        Assert.That(outcomes.Count(o => o == "RATE_LIMITED"), Is.EqualTo(3), string.Join(", ", outcomes));
        Assert.That(stream.IsBroken, Is.False);
    }

    [Test]
    public async Task RunJobs_MessageOverLargeBodyBytes_EndsTheCallWithMessageTooLargeAsync()
    {
        await using var agent = Start(new() { ["Agent:Limits:LargeBodyBytes"] = "65536" });
        agent.Backend.Open();
        var (_, node) = await agent.SubmitterAsync();
        using var client = agent.CreateWorkerClient();
        await using var stream = client.OpenJobStream();

        var inline = SealedTestJob.Create(node, Spec()); // carries tiny_mlp's 438 KB model
        var refusal = Assert.CatchAsync<WorkerClientException>(() => stream.RunAsync(inline.Sealed).DefaultTimeout());

        Assert.That(refusal!.RpcReason, Is.EqualTo("MESSAGE_TOO_LARGE"));
        Assert.That(refusal.StatusCode, Is.EqualTo(global::Grpc.Core.StatusCode.ResourceExhausted));
        Assert.That(stream.IsBroken, Is.True);
        Assert.That(await agent.Services.GetRequiredService<JobJournal>().GetAsync(inline.JobId, CancellationToken.None).DefaultTimeout(), Is.Null);
    }

    [Test]
    public async Task Submitter_StreamJobs_RunsByReferenceJobsOnRunJobsAndVerifiesThemAsync()
    {
        await using var agent = Start();
        agent.Backend.Open();
        var calls = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var client = agent.CreateWorkerClient(calls);
        var (_, node) = await agent.SubmitterAsync();
        var submitter = new JobSubmitter(client, options: new JobSubmitterOptions { InclusionTimeout = TimeSpan.Zero, StreamJobs = true });

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => submitter.RunAsync(node, new JobSpec(TinyMlp.Model, [("x", TinyMlp.Input)])))).DefaultTimeout();

        Assert.That(outcomes.Select(o => o.Receipt.Data.JobId.AsSpan().ToArray()), Is.EqualTo(outcomes.Select(o => o.JobId)));
        Assert.That(outcomes.Select(o => o.Output.Outputs.Count), Is.All.GreaterThan(0));
        Assert.That(calls.Where(c => c.EndsWith("/RunJobs", StringComparison.Ordinal)).Count(), Is.EqualTo(1), "one call for all eight jobs");
        Assert.That(calls.Where(c => c.EndsWith("/SubmitJob", StringComparison.Ordinal) || c.EndsWith("/GetResult", StringComparison.Ordinal)), Is.Empty);
        Assert.That(calls.Where(c => c.EndsWith("/UploadModel", StringComparison.Ordinal)).Count(), Is.EqualTo(1), "by reference: the model uploaded once");
        LogAssert.VerifyNoErrors(agent.Logs);
    }

    private static JobSpec Spec() => new(TinyMlp.Model, [("x", TinyMlp.Input)]) { ModelTransfer = ModelTransfer.Inline };

    private GatedAgent Start(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Attestation:Tee"] = "emulated",
            ["Agent:JournalPath"] = _directory.File("journal.db"),
            ["Agent:MetricsListen"] = "",
            ["Compute:Backend"] = "cpu",
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        return new GatedAgent(all, new FakeTimeProvider(TimeProvider.System.GetUtcNow()));
    }
}
