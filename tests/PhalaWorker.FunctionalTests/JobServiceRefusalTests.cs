extern alias agent;

using System.Security.Cryptography;
using agent::PhalaWorker.Agent.Jobs;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Client;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The gRPC service's refusals of well-sealed but bad jobs (issue 11 item 6), each with its <c>phala-reason</c>. A check the node
/// makes once the envelope is open may come as the SubmitJob refusal or, where the job is opened after acceptance, as the job
/// reaching FAILED with the reason first in GetResult's error and in WatchJob's last event: <see cref="AssertRefusedAsync"/>
/// accepts either, and nothing else.
/// </summary>
public sealed class JobServiceRefusalTests() : InProcessAgentTests("refusals")
{
    [Test]
    public async Task SubmitJob_ShortResultKey_ResultKeyLengthAsync()
    {
        var request = Request();
        request.ResultPublicKey = ByteString.CopyFrom(new byte[31]);

        await AssertRefusedAsync(Client, Node, request, StatusCode.InvalidArgument, "RESULT_KEY_LENGTH");
    }

    [Test]
    public async Task SubmitJob_NoModel_ModelMissingAsync()
    {
        var request = Request();
        request.Model = ByteString.Empty;

        await AssertRefusedAsync(Client, Node, request, StatusCode.InvalidArgument, "MODEL_MISSING");
    }

    [Test]
    public async Task SubmitJob_TwoInputsOneName_InputDuplicateAsync()
    {
        var request = Request();
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(TinyMlp.Input) });

        await AssertRefusedAsync(Client, Node, request, StatusCode.InvalidArgument, "INPUT_DUPLICATE");
    }

    [Test]
    public async Task SubmitJob_QueueFull_ResourceExhaustedAndJobIdFreedAsync()
    {
        // Arrange: a node whose runner takes no job (drained), with room for two.
        using var directory = new TempDirectory("refusals-queue");
        await using var factory = new AgentFactory(directory, new Dictionary<string, string?>
        {
            ["Agent:MaxQueuedJobs"] = "2",
            ["Agent:QueueWait"] = "00:00:00",
            ["Agent:ShutdownTimeout"] = "00:00:02",
        });
        using var client = factory.CreateWorkerClient();
        var node = await new NodeVerifier(client, factory.VerifierOptions()).VerifyAsync().DefaultTimeout();
        Assert.That(await factory.Services.GetRequiredService<JobRunner>().DrainAsync(TimeSpan.FromSeconds(5)).DefaultTimeout(), Is.True);
        await client.SubmitJobAsync(Seal(node, NewJobId(), Request())).DefaultTimeout();
        await client.SubmitJobAsync(Seal(node, NewJobId(), Request())).DefaultTimeout();
        var third = Seal(node, NewJobId(), Request());

        // Act
        var refused = Assert.ThrowsAsync<WorkerClientException>(() => client.SubmitJobAsync(third).DefaultTimeout());
        var again = Assert.ThrowsAsync<WorkerClientException>(() => client.SubmitJobAsync(third).DefaultTimeout());

        // Assert: refused, and not journaled (the same job again is refused for the queue, not answered as a duplicate).
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(refused.RpcReason, Is.EqualTo("QUEUE_FULL"));
        Assert.That(again!.RpcReason, Is.EqualTo("QUEUE_FULL"));
        LogAssert.VerifyNoErrors(factory.Logs);
    }

    [Test]
    public async Task WatchJob_SecondWatcherOverPerJobLimit_WatchLimitPerJobAsync()
    {
        // Arrange: one watcher per job, and a job that stays queued (the runner is drained) so its first watcher stays open.
        using var directory = new TempDirectory("refusals-watch");
        await using var factory = new AgentFactory(directory, new Dictionary<string, string?>
        {
            ["Agent:Limits:MaxWatchersPerJob"] = "1",
            ["Agent:ShutdownTimeout"] = "00:00:02",
        });
        using var client = factory.CreateWorkerClient();
        var node = await new NodeVerifier(client, factory.VerifierOptions()).VerifyAsync().DefaultTimeout();
        Assert.That(await factory.Services.GetRequiredService<JobRunner>().DrainAsync(TimeSpan.FromSeconds(5)).DefaultTimeout(), Is.True);
        var request = Request();
        var jobId = NewJobId();
        await client.SubmitJobAsync(Seal(node, jobId, request)).DefaultTimeout();
        var token = JobSecrets.AccessToken(request.JobSecret.Span);
        using var stop = new CancellationTokenSource();
        await using var first = client.WatchJobAsync(jobId, token, stop.Token).GetAsyncEnumerator();
        Assert.That(await first.MoveNextAsync().AsTask().DefaultTimeout(), Is.True);
        Assert.That(first.Current.State, Is.EqualTo(JobState.Queued));

        // Act
        var refused = Assert.ThrowsAsync<WorkerClientException>(async () =>
        {
            await foreach (var _ in client.WatchJobAsync(jobId, token).WithCancellation(TaskTimeoutExtensions.DefaultTimeoutToken()))
            {
            }
        });

        // Assert
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(refused.RpcReason, Is.EqualTo("WATCH_LIMIT_PER_JOB"));
        await stop.CancelAsync();
        LogAssert.VerifyNoErrors(factory.Logs);
    }

    /// <summary>Refused at SubmitJob with <paramref name="code"/> and <paramref name="reason"/>, or accepted and FAILED with that reason.</summary>
    private static async Task AssertRefusedAsync(WorkerClient client, VerifiedNode node, JobRequest request, StatusCode code, string reason)
    {
        var jobId = NewJobId();
        try
        {
            await client.SubmitJobAsync(Seal(node, jobId, request)).DefaultTimeout();
        }
        catch (WorkerClientException ex) when (ex.StatusCode != StatusCode.OK)
        {
            Assert.That(ex.RpcReason, Is.EqualTo(reason), ex.Message);
            Assert.That(ex.StatusCode, Is.EqualTo(code));
            return;
        }

        var token = JobSecrets.AccessToken(request.JobSecret.Span);
        JobEvent? last = null;
        await foreach (var jobEvent in client.WatchJobAsync(jobId, token).WithCancellation(TaskTimeoutExtensions.DefaultTimeoutToken()))
        {
            last = jobEvent;
        }

        var result = await client.GetResultAsync(jobId, token).DefaultTimeout();
        Assert.That(result.State, Is.EqualTo(JobState.Failed), "accepted, the job must fail");
        Assert.That(result.Error, Does.StartWith(reason + ":"));
        Assert.That(last?.State, Is.EqualTo(JobState.Failed));
        Assert.That(last!.Detail, Does.StartWith(reason + ":"));
    }

    private static JobRequest Request()
    {
        using var resultKey = X25519KeyPair.Generate();
        var request = new JobRequest
        {
            Model = ByteString.CopyFrom(TinyMlp.Model),
            ResultPublicKey = ByteString.CopyFrom(resultKey.PublicKey),
            JobSecret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(JobSecrets.Length)),
        };
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(TinyMlp.Input) });
        return request;
    }

    private static byte[] NewJobId() => RandomNumberGenerator.GetBytes(32);

    private static SubmitJobRequest Seal(VerifiedNode node, byte[] jobId, JobRequest request) =>
        JobSubmitter.Seal(node, jobId, request, new JobSpec(request.Model.ToByteArray(), []));
}
