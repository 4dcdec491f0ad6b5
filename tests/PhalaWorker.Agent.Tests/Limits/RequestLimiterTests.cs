using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using PhalaWorker.Agent.Limits;

namespace PhalaWorker.Agent.Tests.Limits;

/// <summary>The partitioning of <see cref="RequestLimiter"/>: by client, by method class; health and non-gRPC requests unlimited.</summary>
public sealed class RequestLimiterTests
{
    private static readonly LimitsOptions Small = new() { SubmitBurst = 2, SubmitPerSecond = 1, SubmitConcurrency = 100, OtherBurst = 3, OtherPerSecond = 1, OtherConcurrency = 100 };

    [Test]
    public void Acquire_SubmitBurstSpent_RefusedWithRetryAfter()
    {
        using var limiter = RequestLimiter.Create(Small);
        var leases = Enumerable.Range(0, 3).Select(_ => limiter.AttemptAcquire(Call("10.0.0.1", "/phala.worker.v1.Jobs/SubmitJob"))).ToList();

        Assert.That(leases.Select(l => l.IsAcquired), Is.EqualTo(new[] { true, true, false }));
        Assert.That(leases[2].TryGetMetadata(MetadataName.RetryAfter, out var retryAfter), Is.True);
        Assert.That(retryAfter, Is.GreaterThan(TimeSpan.Zero));
        leases.ForEach(l => l.Dispose());
    }

    [Test]
    public void Acquire_SubmitSpentByOneClient_OtherClientAndOtherMethodsServed()
    {
        using var limiter = RequestLimiter.Create(Small);
        for (var i = 0; i < 5; i++)
        {
            limiter.AttemptAcquire(Call("10.0.0.1", "/phala.worker.v1.Jobs/SubmitJob")).Dispose();
        }

        using var otherClient = limiter.AttemptAcquire(Call("10.0.0.2", "/phala.worker.v1.Jobs/SubmitJob"));
        using var otherMethod = limiter.AttemptAcquire(Call("10.0.0.1", "/phala.worker.v1.Jobs/GetResult"));

        Assert.That(otherClient.IsAcquired, Is.True, "another peer address has its own bucket");
        Assert.That(otherMethod.IsAcquired, Is.True, "SubmitJob and the other methods have separate buckets");
    }

    [Test]
    public void Acquire_ConcurrencySpent_RefusedUntilOneFinishes()
    {
        using var limiter = RequestLimiter.Create(new LimitsOptions { OtherConcurrency = 2, OtherBurst = 100 });
        var first = limiter.AttemptAcquire(Call("10.0.0.1", "/phala.worker.v1.Jobs/WatchJob"));
        using var second = limiter.AttemptAcquire(Call("10.0.0.1", "/phala.worker.v1.Jobs/WatchJob"));
        using var third = limiter.AttemptAcquire(Call("10.0.0.1", "/phala.worker.v1.Jobs/WatchJob"));
        first.Dispose();
        using var fourth = limiter.AttemptAcquire(Call("10.0.0.1", "/phala.worker.v1.Jobs/WatchJob"));

        Assert.That(new[] { first.IsAcquired, second.IsAcquired, third.IsAcquired, fourth.IsAcquired }, Is.EqualTo(new[] { true, true, false, true }));
        Assert.That(third.TryGetMetadata(MetadataName.RetryAfter, out _), Is.False, "a concurrency refusal has no token-bucket retry time");
    }

    [TestCase("/grpc.health.v1.Health/Check", "application/grpc")]
    [TestCase("/metrics", null)]
    [TestCase("/healthz/ready", null)]
    public void Acquire_HealthAndNonGrpc_NeverLimited(string path, string? contentType)
    {
        using var limiter = RequestLimiter.Create(new LimitsOptions { OtherBurst = 1, OtherPerSecond = 1, OtherConcurrency = 1 });
        var leases = Enumerable.Range(0, 10).Select(_ => limiter.AttemptAcquire(Call("10.0.0.1", path, contentType))).ToList();

        Assert.That(leases.All(l => l.IsAcquired), Is.True);
        leases.ForEach(l => l.Dispose());
    }

    [Test]
    public void Acquire_LimitsDisabled_NeverLimited()
    {
        using var limiter = RequestLimiter.Create(new LimitsOptions { RateLimitsEnabled = false, SubmitBurst = 1, SubmitConcurrency = 1 });
        var leases = Enumerable.Range(0, 10).Select(_ => limiter.AttemptAcquire(Call("10.0.0.1", "/phala.worker.v1.Jobs/SubmitJob"))).ToList();

        Assert.That(leases.All(l => l.IsAcquired), Is.True);
        leases.ForEach(l => l.Dispose());
    }

    private static DefaultHttpContext Call(string peer, string path, string? contentType = "application/grpc")
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        context.Request.Path = path;
        context.Request.ContentType = contentType;
        return context;
    }
}
