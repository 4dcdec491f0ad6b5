extern alias agent;

using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Client;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>
/// The agent in process (CONVENTIONS.md 20): emulated TEE, CPU backend, SQLite journal in a temp directory, served by real
/// Kestrel on a free loopback port with the agent's own RA-TLS (TLS 1.3, its TD-born key), so that every test's client goes
/// through the SDK's pinning exactly as a submitter's does (<see cref="CreateWorkerClient"/> connects to
/// <see cref="Endpoint"/>, https://, or http:// when the settings ask for <c>Agent:TlsMode=plaintext</c>). Settings go in
/// through UseSetting so that Program sees them while it composes the host. Every log record is collected for
/// <see cref="LogAssert.VerifyNoErrors"/>.
/// </summary>
internal sealed class AgentFactory : WebApplicationFactory<agent::Program>
{
    private readonly Dictionary<string, string?> _settings;
    private Uri? _endpoint;

    public AgentFactory(TempDirectory directory, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Attestation:Tee"] = "emulated",
            ["Agent:JournalPath"] = directory.File("journal.db"),
            ["Registry:BatchSize"] = "1",
            ["Registry:BatchMaxAge"] = "00:00:00.200",
            ["Compute:Backend"] = "cpu",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        // A free port per agent (port 0: Kestrel picks one) and no metrics listener: tests run agents side by side.
        var plaintext = string.Equals(_settings.GetValueOrDefault("Agent:TlsMode"), "plaintext", StringComparison.Ordinal);
        _settings.TryAdd("Agent:Listen", plaintext ? "http://127.0.0.1:0" : "https://127.0.0.1:0");
        _settings.TryAdd("Agent:MetricsListen", "");
        UseKestrel();
    }

    /// <summary>The agent's gRPC endpoint on loopback (starts the agent): https:// (RA-TLS) unless the settings chose plaintext.</summary>
    public Uri Endpoint
    {
        get
        {
            if (_endpoint is null)
            {
                StartServer();
                var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
                _endpoint = new Uri(addresses.Single());
            }

            return _endpoint;
        }
    }

    public FakeLogCollector Logs => Services.GetRequiredService<FakeLogCollector>();

    /// <summary>
    /// The reference profile of this agent, computed independently of it: the emulated TD's fixed MRTD/RTMR0–2, the digest
    /// of the directory the in-process agent runs from (this test's output directory) and the settings these options give
    /// (environment Development, the emulated TEE, the CPU backend).
    /// </summary>
    public MeasurementProfile Profile(string name = "in-process test agent")
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_settings).Build();
        var settings = MeasuredSettings.Collect(configuration, "Development", "emulated", "cpu");
        var td = EmulatedTdMeasurements.Default;
        return new MeasurementProfile
        {
            Name = name,
            MrTd = td.Mrtd,
            Rtmr0 = td.Rtmrs[0],
            Rtmr1 = td.Rtmrs[1],
            Rtmr2 = td.Rtmrs[2],
            AgentDigest = AgentDigest.Compute(AppContext.BaseDirectory),
            RequiredSettings = settings.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        };
    }

    /// <summary>Verifier options accepting this agent (emulated, its profile, no registry unless <paramref name="requireRegistration"/>).</summary>
    public NodeVerifierOptions VerifierOptions(bool requireRegistration = false) =>
        new() { AllowEmulated = true, RequireRegistration = requireRegistration, AcceptedMeasurements = [Profile()] };

    /// <summary>
    /// A raw channel to <see cref="Endpoint"/> that accepts any TLS certificate and pins nothing: for tests that speak gRPC
    /// below the SDK. A <see cref="WorkerClient"/> over it is refused by default verifiers (the SDK cannot see its key).
    /// </summary>
    public GrpcChannel CreateChannel() =>
        GrpcChannel.ForAddress(Endpoint, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true } },
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            MaxSendMessageSize = 64 * 1024 * 1024,
        });

    /// <summary>The SDK's own connection to <see cref="Endpoint"/> (RA-TLS pinned by <see cref="NodeVerifier"/>).</summary>
    public WorkerClient CreateWorkerClient() => WorkerClient.Connect(Endpoint);

    /// <summary>
    /// Starts the host, then waits (bounded) until registration settled: the agent registers in the background so that a
    /// chain down at start does not keep its ports closed, and these tests submit at once, as a client does after readiness.
    /// </summary>
    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        var chain = host.Services.GetRequiredService<agent::PhalaWorker.Agent.Registry.ChainBinding>();
        var deadline = Environment.TickCount64 + (long)TaskTimeoutExtensions.DefaultTimeoutSpan.TotalMilliseconds;
        while (!chain.IsSettled)
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("the in-process agent did not register within the default timeout");
            }

            Thread.Sleep(20);
        }

        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging =>
        {
            logging.ClearProviders();
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddFakeLogging();
        });
    }
}
