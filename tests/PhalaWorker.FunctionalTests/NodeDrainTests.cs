extern alias agent;

using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Client;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;
using NodeDrain = agent::PhalaWorker.Agent.Hosting.NodeDrain;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The in-process agent once its stop began (the drain's first step, which the host runs before Kestrel stops): SubmitJob is
/// refused UNAVAILABLE with reason NODE_STOPPING, while a job accepted before keeps its result. The SIGTERM path as a real
/// process, with the chain, is in <see cref="ProcessAgentTests"/>.
/// </summary>
public sealed class NodeDrainTests
{
    [Test]
    public async Task SubmitJob_AfterStopBegan_UnavailableNodeStoppingAsync()
    {
        using var directory = new TempDirectory("drain-intake");
        await using var factory = new AgentFactory(directory);
        using var client = factory.CreateWorkerClient();
        var node = await new NodeVerifier(client, factory.VerifierOptions()).VerifyAsync().DefaultTimeout();
        var before = await new JobSubmitter(client, null, new JobSubmitterOptions { InclusionTimeout = TimeSpan.Zero }).RunAsync(node, TinyMlp.Spec()).DefaultTimeout();
        var drain = factory.Services.GetRequiredService<NodeDrain>();

        await drain.StoppingAsync(CancellationToken.None).DefaultTimeout();
        var request = new JobRequest { Model = ByteString.CopyFrom(TinyMlp.Model), JobSecret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)), ResultPublicKey = ByteString.CopyFrom(new byte[32]) };
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(TinyMlp.Input) });
        var ex = Assert.ThrowsAsync<WorkerClientException>(() => client.SubmitJobAsync(JobSubmitter.Seal(node, RandomNumberGenerator.GetBytes(32), request, TinyMlp.Spec())).DefaultTimeout());

        Assert.That(drain.IsStopping, Is.True);
        Assert.That(ex!.StatusCode, Is.EqualTo(Grpc.Core.StatusCode.Unavailable));
        Assert.That(ex.RpcReason, Is.EqualTo("NODE_STOPPING"));
        var kept = await client.GetResultAsync(before.JobId, JobSecrets.AccessToken(before.JobSecret)).DefaultTimeout();
        Assert.That(kept.State, Is.EqualTo(JobState.Succeeded));
        Assert.That(factory.Logs.GetSnapshot().Select(r => r.Message), Has.Some.Contains("intake closed"));
        LogAssert.VerifyNoErrors(factory.Logs);
    }
}
