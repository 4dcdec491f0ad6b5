using Google.Protobuf;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Jobs;

public sealed class JobEventsTests
{
    [Test]
    public async Task Publish_Subscribed_DeliversOnlyThatJobAsync()
    {
        var events = new JobEvents();
        using var subscription = events.Subscribe([1, 2, 3]);

        events.Publish(new JobEvent { JobId = ByteString.CopyFrom(9), State = JobState.Running });
        events.Publish(new JobEvent { JobId = ByteString.CopyFrom(1, 2, 3), State = JobState.Succeeded });
        var received = await subscription.Reader.ReadAsync().AsTask().DefaultTimeout();

        Assert.That(received.State, Is.EqualTo(JobState.Succeeded));
        Assert.That(subscription.Reader.TryRead(out _), Is.False);
    }

    [Test]
    public void Publish_AfterDispose_IsDropped()
    {
        var events = new JobEvents();
        var subscription = events.Subscribe([1]);
        subscription.Dispose();

        events.Publish(new JobEvent { JobId = ByteString.CopyFrom(1), State = JobState.Running });

        Assert.That(subscription.Reader.TryRead(out _), Is.False);
    }
}
