using Google.Protobuf;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Limits;
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

    [Test]
    public void TrySubscribe_PerJobLimitReached_RefusedUntilOneLeaves()
    {
        var events = new JobEvents(Options.Create(new LimitsOptions { MaxWatchersPerJob = 2 }));
        var first = events.TrySubscribe([1], out _);
        using var second = events.TrySubscribe([1], out _);

        using var third = events.TrySubscribe([1], out var refusal);
        using var otherJob = events.TrySubscribe([2], out _);
        first!.Dispose();
        first.Dispose(); // twice counts once
        using var afterLeave = events.TrySubscribe([1], out _);

        Assert.That(third, Is.Null);
        Assert.That(refusal, Is.EqualTo(JobEvents.WatchRefusal.JobLimit));
        Assert.That(otherJob, Is.Not.Null, "another job has its own bound");
        Assert.That(afterLeave, Is.Not.Null);
        Assert.That(events.Count, Is.EqualTo(3));
    }

    [Test]
    public void TrySubscribe_NodeLimitReached_Refused()
    {
        var events = new JobEvents(Options.Create(new LimitsOptions { MaxWatchers = 3 }));
        var subscriptions = Enumerable.Range(0, 3).Select(i => events.TrySubscribe([(byte)i], out _)).ToList();

        var refused = events.TrySubscribe([9], out var refusal);

        Assert.That(subscriptions, Has.All.Not.Null);
        Assert.That(refused, Is.Null);
        Assert.That(refusal, Is.EqualTo(JobEvents.WatchRefusal.NodeLimit));
        subscriptions.ForEach(s => s!.Dispose());
        Assert.That(events.Count, Is.Zero);
    }

    [Test]
    public void Publish_SlowWatcher_KeepsOnlyTheNewestEvents()
    {
        var events = new JobEvents(Options.Create(new LimitsOptions { WatcherBuffer = 4 }));
        using var subscription = events.TrySubscribe([7], out _)!;

        for (var i = 0; i < 10_000; i++)
        {
            events.Publish(new JobEvent { JobId = ByteString.CopyFrom(7), State = JobState.Running, AtUnixMs = i });
        }

        events.Publish(new JobEvent { JobId = ByteString.CopyFrom(7), State = JobState.Succeeded, AtUnixMs = 10_000 });
        var buffered = new List<JobEvent>();
        while (subscription.Reader.TryRead(out var next))
        {
            buffered.Add(next);
        }

        Assert.That(buffered, Has.Count.EqualTo(4), "the buffer is bounded");
        Assert.That(buffered[^1].State, Is.EqualTo(JobState.Succeeded), "the terminal event is never the one dropped");
        Assert.That(buffered.Select(e => e.AtUnixMs), Is.EqualTo(new long[] { 9_997, 9_998, 9_999, 10_000 }));
    }
}
