using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Client;
using PhalaWorker.Compute;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Jobs;

/// <summary>The in-process agent (emulated TEE, CPU backend behind a <see cref="GatedBackend"/>) on a given clock, logs collected.</summary>
internal sealed class GatedAgent : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider _time;
    private GatedBackend? _backend;

    public GatedAgent(Dictionary<string, string?> settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
    }

    public GatedBackend Backend => _backend ??= (GatedBackend)Services.GetRequiredService<IComputeBackend>();

    public FakeLogCollector Logs => Services.GetRequiredService<FakeLogCollector>();

    public WorkerClient CreateWorkerClient() => new(GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() }), ownsChannel: true);

    /// <summary>A client whose every call's path is added to <paramref name="calls"/> (which methods a client used).</summary>
    public WorkerClient CreateWorkerClient(System.Collections.Concurrent.ConcurrentQueue<string> calls) =>
        new(GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = new RecordingHandler(Server.CreateHandler(), calls) }), ownsChannel: true);

    private sealed class RecordingHandler(HttpMessageHandler inner, System.Collections.Concurrent.ConcurrentQueue<string> calls) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            calls.Enqueue(request.RequestUri?.AbsolutePath ?? "");
            return base.SendAsync(request, cancellationToken);
        }
    }

    public async Task<(JobSubmitter Submitter, VerifiedNode Node)> SubmitterAsync()
    {
        var client = CreateWorkerClient();
        var node = await new NodeVerifier(client, new NodeVerifierOptions
        {
            // The in-memory test server has no TLS: these tests are about the runner, RaTlsTests about the transport.
            AllowEmulated = true, RequireRegistration = false, TrustAnyMeasurement = true, InsecureTransport = true,
        })
            .VerifyAsync().DefaultTimeout();
        return (new JobSubmitter(client, options: new JobSubmitterOptions { InclusionTimeout = TimeSpan.Zero }), node);
    }

    public override async ValueTask DisposeAsync()
    {
        _backend?.Open(); // nothing stays parked at the gate while the host stops
        await base.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.AddSingleton(_time);
            services.AddSingleton<IComputeBackend>(sp => new GatedBackend(sp.GetRequiredService<IOptions<ComputeOptions>>().Value));
        });
        builder.ConfigureLogging(logging =>
        {
            logging.ClearProviders();
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddFakeLogging();
        });
    }
}

/// <summary>A tiny_mlp job sealed inline to a node, with what reads and opens its result.</summary>
internal sealed record SealedTestJob(byte[] JobId, byte[] AccessToken, X25519KeyPair ResultKey, JobRequest Request, SubmitJobRequest Sealed)
{
    public static SealedTestJob Create(VerifiedNode node, JobSpec spec, byte[]? jobId = null)
    {
        jobId ??= RandomNumberGenerator.GetBytes(32);
        var jobSecret = RandomNumberGenerator.GetBytes(JobSecrets.Length);
        var resultKey = X25519KeyPair.Generate();
        var request = new JobRequest
        {
            Model = ByteString.CopyFrom(TinyMlp.Model),
            ResultPublicKey = ByteString.CopyFrom(resultKey.PublicKey),
            JobSecret = ByteString.CopyFrom(jobSecret),
        };
        request.Inputs.Add(new NamedTensor { Name = "x", Tensor = ByteString.CopyFrom(TinyMlp.Input) });
        return new SealedTestJob(jobId, JobSecrets.AccessToken(jobSecret), resultKey, request, JobSubmitter.Seal(node, jobId, request, spec));
    }
}
