using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Jobs;

public sealed class JobQueueTests
{
    [Test]
    public async Task TryEnqueue_Full_ReturnsFalseAfterWaitAsync()
    {
        var queue = new JobQueue(Options.Create(new AgentOptions { MaxQueuedJobs = 1, QueueWait = TimeSpan.FromMilliseconds(20) }));
        Assert.That(await queue.TryEnqueueAsync([1], CancellationToken.None).DefaultTimeout(), Is.True);

        var second = await queue.TryEnqueueAsync([2], CancellationToken.None).DefaultTimeout();

        Assert.That(second, Is.False);
        Assert.That(queue.Capacity, Is.EqualTo(1));
    }

    [Test]
    public async Task TryEnqueue_SpaceFreedDuringWait_SucceedsAsync()
    {
        var queue = new JobQueue(Options.Create(new AgentOptions { MaxQueuedJobs = 1, QueueWait = TimeSpan.FromSeconds(30) }));
        await queue.TryEnqueueAsync([1], CancellationToken.None).DefaultTimeout();

        var pending = queue.TryEnqueueAsync([2], CancellationToken.None).AsTask();
        var first = await queue.Reader.ReadAsync().AsTask().DefaultTimeout();

        Assert.That(await pending.DefaultTimeout(), Is.True);
        Assert.That(first, Is.EqualTo(new byte[] { 1 }));
        Assert.That(await queue.Reader.ReadAsync().AsTask().DefaultTimeout(), Is.EqualTo(new byte[] { 2 }));
    }
}
