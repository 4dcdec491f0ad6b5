extern alias agent;

using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using PhalaWorker.Client;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// Issue 10's abuse limit, as an attack: one client (peer address 127.0.0.2) floods SubmitJob while another (127.0.0.1) runs a
/// whole job. The agent listens on a real loopback socket (Kestrel in process), since the limits are keyed by the TCP peer address.
/// </summary>
public sealed class RateLimitTests
{
    private static readonly IPAddress Flooder = IPAddress.Parse("127.0.0.2");

    private TempDirectory _directory = null!;
    private AgentFactory _factory = null!;
    private Uri _address = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory("rate-limit");
        _factory = new AgentFactory(_directory, new Dictionary<string, string?>
        {
            // h2c: the test binds each client's source address (127.0.0.1 vs 127.0.0.2) in its own socket callback; what it
            // tests is the partitioning by peer address, the same under RA-TLS (RaTlsTests cover the transport).
            ["Agent:Listen"] = "http://127.0.0.1:0",
            ["Agent:TlsMode"] = "plaintext",
            ["Agent:MetricsListen"] = "",
            ["Agent:Limits:SubmitPerSecond"] = "5",
            ["Agent:Limits:SubmitBurst"] = "10",
            ["Agent:Limits:SubmitConcurrency"] = "4",
        });
        _factory.UseKestrel();
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        _address = new Uri(addresses.Single());
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        try
        {
            LogAssert.VerifyNoErrors(_factory.Logs);
        }
        finally
        {
            await _factory.DisposeAsync();
            _directory.Dispose();
        }
    }

    [Test]
    public async Task SubmitJob_FloodFromOneClient_OtherClientServedAsync()
    {
        // Arrange: the second client verifies the node before the flood starts.
        using var other = new WorkerClient(Channel(IPAddress.Loopback), ownsChannel: true);
        var node = await new NodeVerifier(other, Insecure(_factory.VerifierOptions())).VerifyAsync().DefaultTimeout();
        using var flooderChannel = Channel(Flooder);
        var flooder = new Jobs.JobsClient(flooderChannel);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // Act: 8 concurrent loops of SubmitJob from 127.0.0.2 (at most 2,000 calls) while 127.0.0.1 runs a whole job.
        var tally = new FloodTally();
        var flood = Enumerable.Range(0, 8).Select(_ => FloodAsync(flooder, tally, stop.Token)).ToArray();
        await tally.FirstRefusal.Task.WaitAsync(stop.Token);
        var outcome = await new JobSubmitter(other, null, new JobSubmitterOptions { InclusionTimeout = TimeSpan.Zero }).RunAsync(node, TinyMlp.Spec()).DefaultTimeout();
        await stop.CancelAsync();
        await Task.WhenAll(flood).DefaultTimeout();

        // Assert
        TinyMlp.AssertMatchesExpected(outcome.Output.Outputs.Single().Tensor.Span);
        Assert.That(tally.Refused, Is.GreaterThan(tally.Served), "most of the flood is refused");
        Assert.That(tally.OtherErrors, Is.Empty, "every flood call is either served or refused by a limit");
        Assert.That(tally.Reasons, Is.SubsetOf(new[] { "RATE_LIMITED", "CONCURRENCY_LIMITED" }));
        Assert.That(tally.Reasons, Does.Contain("RATE_LIMITED"));
        Assert.That(tally.RetryHintsMs, Is.Not.Empty.And.All.InRange(1L, 1000L), "each refusal carries phala-retry-after-ms");
        // The bucket holds 10 and refills 5/s (one every 100 ms, rounded up): what got through is bounded by it.
        Assert.That(tally.Served, Is.LessThanOrEqualTo(10 + (int)Math.Ceiling(tally.Elapsed.TotalSeconds * 10) + 1));
    }

    [Test]
    public async Task SubmitJob_RateLimited_SdkSeesReasonAsync()
    {
        using var client = new WorkerClient(Channel(Flooder), ownsChannel: true);
        var request = new SubmitJobRequest { JobId = ByteString.CopyFrom(new byte[3]) };
        WorkerClientException? refusal = null;
        for (var i = 0; i < 50 && refusal is null; i++)
        {
            try
            {
                await client.SubmitJobAsync(request).DefaultTimeout();
            }
            catch (WorkerClientException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                refusal = ex;
            }
            catch (WorkerClientException ex) when (ex.RpcReason == "JOB_ID_LENGTH")
            {
                // served (and refused on its merits) while the bucket still held tokens
            }
        }

        Assert.That(refusal, Is.Not.Null, "50 calls in a row exceed a burst of 10");
        Assert.That(refusal!.RpcReason, Is.EqualTo("RATE_LIMITED"));
        Assert.That(refusal.Message, Does.Contain("retry after"));
    }

    private static async Task FloodAsync(Jobs.JobsClient client, FloodTally tally, CancellationToken stop)
    {
        var start = TimeProvider.System.GetTimestamp();
        var request = new SubmitJobRequest { JobId = ByteString.CopyFrom(new byte[3]) }; // served, it fails JOB_ID_LENGTH cheaply
        while (!stop.IsCancellationRequested && Interlocked.Increment(ref tally.Calls) <= 2000)
        {
            try
            {
                await client.SubmitJobAsync(request, cancellationToken: stop);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                tally.Refuse(ex.Trailers.GetValue("phala-reason") ?? "(none)", ex.Trailers.GetValue("phala-retry-after-ms"));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
                Interlocked.Increment(ref tally.ServedCount);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && stop.IsCancellationRequested)
            {
                break;
            }
            catch (RpcException ex)
            {
                lock (tally.OtherErrors)
                {
                    tally.OtherErrors.Add($"{ex.StatusCode}: {ex.Status.Detail}");
                }
            }
        }

        tally.Stopped(TimeProvider.System.GetElapsedTime(start));
    }

    private static NodeVerifierOptions Insecure(NodeVerifierOptions options)
    {
        options.InsecureTransport = true;
        return options;
    }

    /// <summary>A channel whose connections leave from <paramref name="source"/> (all of 127/8 is loopback on Linux).</summary>
    private GrpcChannel Channel(IPAddress source) =>
        GrpcChannel.ForAddress(_address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        socket.Bind(new IPEndPoint(source, 0));
                        await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            },
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            MaxSendMessageSize = 64 * 1024 * 1024,
        });

    private sealed class FloodTally
    {
        public int Calls;
        public int ServedCount;
        private int _refused;
        private long _elapsedTicks;

        public TaskCompletionSource FirstRefusal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HashSet<string> Reasons { get; } = [];

        public List<long> RetryHintsMs { get; } = [];

        public List<string> OtherErrors { get; } = [];

        public int Served => Volatile.Read(ref ServedCount);

        public int Refused => Volatile.Read(ref _refused);

        public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _elapsedTicks));

        public void Refuse(string reason, string? retryAfterMs)
        {
            Interlocked.Increment(ref _refused);
            lock (Reasons)
            {
                Reasons.Add(reason);
                RetryHintsMs.Add(long.TryParse(retryAfterMs, System.Globalization.CultureInfo.InvariantCulture, out var ms) ? ms : -1);
            }

            FirstRefusal.TrySetResult();
        }

        public void Stopped(TimeSpan elapsed)
        {
            long current;
            do
            {
                current = Interlocked.Read(ref _elapsedTicks);
            }
            while (elapsed.Ticks > current && Interlocked.CompareExchange(ref _elapsedTicks, elapsed.Ticks, current) != current);
        }
    }
}
