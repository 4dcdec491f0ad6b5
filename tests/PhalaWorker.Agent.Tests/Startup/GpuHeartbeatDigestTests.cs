using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Startup;

/// <summary>The attestation digest a heartbeat carries: the quote hash, or a digest over GPU evidence collected fresh for the heartbeat's block.</summary>
public sealed class GpuHeartbeatDigestTests
{
    [Test]
    public async Task HeartbeatDigest_WithoutGpuEvidence_IsTheQuoteHashAsync()
    {
        using var directory = new TempDirectory("heartbeat-digest-none");
        await using var factory = Factory(directory, gpuEvidence: "none");
        factory.CreateClient().Dispose();
        var node = factory.Services.GetRequiredService<NodeContext>().Required;

        var digest = await factory.Services.GetRequiredService<GpuAttestor>().HeartbeatDigestAsync(node, Block(), CancellationToken.None).DefaultTimeout();

        Assert.That(digest, Is.EqualTo(node.QuoteHash));
    }

    [Test]
    public async Task HeartbeatDigest_WithGpuEvidence_BoundToTheBlockAndFreshEvidenceAsync()
    {
        using var directory = new TempDirectory("heartbeat-digest-gpu");
        await using var factory = Factory(directory, gpuEvidence: "emulated");
        factory.CreateClient().Dispose();
        var node = factory.Services.GetRequiredService<NodeContext>().Required;
        var gpu = factory.Services.GetRequiredService<GpuAttestor>();
        var block = Block();

        var first = await gpu.HeartbeatDigestAsync(node, block, CancellationToken.None).DefaultTimeout();
        var otherBlock = await gpu.HeartbeatDigestAsync(node, Block(), CancellationToken.None).DefaultTimeout();

        Assert.That(first, Is.Not.EqualTo(node.QuoteHash), "a node with GPUs binds fresh GPU evidence into its heartbeats");
        Assert.That(otherBlock, Is.Not.EqualTo(first), "the evidence is collected for the heartbeat's block");
        LogAssert.VerifyNoErrors(factory.Services.GetRequiredService<FakeLogCollector>());
    }

    private static Hash32 Block() => new(RandomNumberGenerator.GetBytes(32));

    private static WebApplicationFactory<Program> Factory(TempDirectory directory, string gpuEvidence) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Agent:JournalPath", directory.File("journal.db"));
            builder.UseSetting("Attestation:Tee", "emulated");
            builder.UseSetting("Attestation:GpuEvidence", gpuEvidence);
            builder.ConfigureLogging(logging => logging.ClearProviders().AddFakeLogging());
        });
}
