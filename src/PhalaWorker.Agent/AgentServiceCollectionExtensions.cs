using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PhalaWorker.Agent.Grpc;
using PhalaWorker.Agent.Health;
using PhalaWorker.Agent.Hosting;
using PhalaWorker.Agent.Jobs;
using PhalaWorker.Agent.Limits;
using PhalaWorker.Agent.Registry;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Attestation;

namespace PhalaWorker.Agent;

/// <summary>The agent's composition: each method is one line of Program.cs.</summary>
internal static class AgentServiceCollectionExtensions
{
    /// <summary>Options, node state, journal, queue and the hosted services, in start order.</summary>
    public static IServiceCollection AddAgent(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RegistryOptions>, RegistryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient();
        services.PostConfigure<AttestationOptions>(o =>
            o.EmulationSeed = string.IsNullOrEmpty(o.EmulationSeed) ? Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(AttestationBootstrapper.EmulationSeed)) : o.EmulationSeed);
        services.TryAddSingleton<RaTlsCertificate>();
        services.TryAddSingleton<NodeContext>();
        services.TryAddSingleton<GpuAttestor>();
        services.TryAddSingleton<ChainBinding>();
        services.TryAddSingleton(sp =>
        {
            var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            return JobJournal.Open(agent.JournalPath, sp.GetRequiredService<TimeProvider>(), agent.JournalDurability);
        });
        services.TryAddSingleton<JobQueue>();
        services.TryAddSingleton<JobEvents>();
        services.TryAddSingleton<JobValidator>();
        services.TryAddSingleton<ModelStore>();
        services.TryAddSingleton<OpenedJobs>();
        services.TryAddSingleton<JobIntake>();
        services.TryAddSingleton<ResultPoster>();
        services.TryAddSingleton<RegistryGateway>();
        services.TryAddSingleton<IReceiptBatchPoster>(sp => sp.GetRequiredService<RegistryGateway>());
        services.TryAddSingleton<IRegistrationChain>(sp => sp.GetRequiredService<RegistryGateway>());
        services.TryAddSingleton<IReadinessReporter, ReadinessSignals>();
        services.TryAddSingleton<AgentFault>();
        services.TryAddSingleton<AgentMetrics>();
        services.TryAddSingleton<LargeBodyGate>();

        // Hosted services start in this order: attest, then register, then run and post.
        services.AddHostedService<AttestationBootstrapper>();
        services.AddHostedService<CollateralRefresher>();
        services.AddHostedService<RegistrationHeartbeat>();
        services.TryAddSingleton<JobRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<JobRunner>());
        services.AddHostedService(sp => sp.GetRequiredService<ResultPoster>());
        services.AddHostedService<JournalRetention>();
        // UseSystemd() registers a notifier only under systemd; the watchdog needs one either way (it is disabled without NOTIFY_SOCKET).
        services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.AddHostedService<SystemdWatchdog>();
        // Registered last, so its StoppingAsync drains first at stop; the host waits for it ShutdownTimeout plus 5 seconds.
        services.TryAddSingleton<NodeDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeDrain>());
        services.AddOptions<HostOptions>().Configure<IOptions<AgentOptions>>((host, agent) => host.ShutdownTimeout = agent.Value.ShutdownTimeout + TimeSpan.FromSeconds(5));
        return services;
    }

    /// <summary>gRPC with the status-mapping interceptor and message limits; health and reflection.</summary>
    public static IServiceCollection AddAgentGrpc(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var maxMessage = configuration.GetSection(AgentOptions.SectionName).Get<AgentOptions>()?.MaxMessageBytes ?? new AgentOptions().MaxMessageBytes;
        services.AddGrpc(options =>
        {
            options.Interceptors.Add<StatusMappingInterceptor>();
            options.MaxReceiveMessageSize = maxMessage;
            options.MaxSendMessageSize = maxMessage;
            options.EnableDetailedErrors = environment.IsDevelopment();
        });
        // gRPC health ("" service) answers SERVING only when ready; /healthz/live and /healthz/ready split the two.
        services.AddGrpcHealthChecks(o => o.Services.Map("", r => r.Tags.Contains(AgentHealthTags.Ready)))
            .AddCheck<LivenessHealthCheck>("live", tags: [AgentHealthTags.Live])
            .AddReadiness("attested", ReadinessInput.Attested)
            .AddReadiness("registered", ReadinessInput.Registered)
            .AddReadiness("chain_reachable", ReadinessInput.ChainReachable)
            .AddReadiness("gpu_gate", ReadinessInput.GpuGate);
        services.AddGrpcReflection();
        // Per-client rate and concurrency limits, before the request body is read (Limits/RequestLimiter).
        services.AddRateLimiter(_ => { });
        services.AddSingleton<SubmitRateLimiter>();
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<LimitsOptions>, SubmitRateLimiter, ILoggerFactory>((limiter, limits, submitRate, loggers) => RequestLimiter.Configure(limiter, limits.Value, submitRate, loggers));
        return services;
    }

    private static IHealthChecksBuilder AddReadiness(this IHealthChecksBuilder builder, string name, ReadinessInput input) =>
        builder.Add(new HealthCheckRegistration(name, sp => ActivatorUtilities.CreateInstance<ReadinessHealthCheck>(sp, input), HealthStatus.Unhealthy, [AgentHealthTags.Ready]));

    /// <summary>
    /// Traces and metrics: Prometheus <c>/metrics</c> on <see cref="AgentOptions.MetricsListen"/>, and OTLP export when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured.
    /// </summary>
    public static IServiceCollection AddAgentTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("phala-worker-agent", serviceVersion: new AgentOptions().AgentVersion))
            // Every library's ActivitySource and Meter is named PhalaWorker.<Project> (CONVENTIONS.md 18).
            .WithMetrics(metrics => metrics.AddMeter(AgentTelemetry.Name, "PhalaWorker.*").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddPrometheusExporter());
        if (otlp)
        {
            // Traces only go out over OTLP: without it, recording an activity per call would be spent for nothing.
            builder.WithTracing(tracing => tracing.AddSource(AgentTelemetry.Name, "PhalaWorker.*").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
            builder.UseOtlpExporter();
        }

        return services;
    }

    /// <summary>
    /// Kestrel on <see cref="AgentOptions.Listen"/> (HTTP/2 only, request bodies bounded by the message limit): TLS 1.3 with
    /// the TD-born <see cref="RaTlsCertificate"/> (ALPN h2) unless <see cref="AgentOptions.TlsMode"/> is <c>plaintext</c>
    /// (h2c); and on <see cref="AgentOptions.MetricsListen"/> (HTTP/1.1: /metrics and /healthz).
    /// </summary>
    public static IWebHostBuilder UseAgentKestrel(this IWebHostBuilder webHost) =>
        webHost.ConfigureKestrel((context, kestrel) =>
        {
            var options = context.Configuration.GetSection(AgentOptions.SectionName).Get<AgentOptions>() ?? new AgentOptions();
            // One whole message and its 5-byte gRPC frame header: a larger message is refused by gRPC's own limit (MESSAGE_TOO_LARGE), not by Kestrel mid-read.
            kestrel.Limits.MaxRequestBodySize = (long)options.MaxMessageBytes + 5;
            // A large body waiting for its slot (Limits/LargeBodyLimiter) leaves up to one stream window of data unread, and
            // unread data holds the connection's window too: with a window for every stream, waiting streams never starve the
            // ones being read on the same connection (the default 1 MiB is two waiting streams).
            kestrel.Limits.Http2.InitialConnectionWindowSize = Math.Max(kestrel.Limits.Http2.InitialConnectionWindowSize,
                kestrel.Limits.Http2.MaxStreamsPerConnection * kestrel.Limits.Http2.InitialStreamWindowSize);
            var grpc = ListenAddress.Parse("Agent:Listen", options.Listen, options.IsPlaintext ? "http://127.0.0.1:7080" : "https://127.0.0.1:7080");
            if (grpc.Https == options.IsPlaintext)
            {
                // Options validation says the same with more words; Kestrel binds before it runs, so refuse here too.
                throw new AgentStartupException(AgentExitCode.Configuration, options.IsPlaintext
                    ? $"Agent:Listen '{options.Listen}' is https:// but Agent:TlsMode is plaintext; give http://HOST:PORT"
                    : $"Agent:Listen '{options.Listen}' is http:// (cleartext), but the gRPC listener serves RA-TLS (Agent:TlsMode ra-tls, the default); give https://HOST:PORT, or set Agent:TlsMode=plaintext to serve h2c (default clients then refuse the node)");
            }

            kestrel.Listen(grpc.Address, grpc.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (!options.IsPlaintext)
                {
                    // The same singleton the attestation binds: the key is made once per process, in the TD.
                    var certificate = kestrel.ApplicationServices.GetRequiredService<RaTlsCertificate>().Certificate;
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = certificate;
                        https.SslProtocols = System.Security.Authentication.SslProtocols.Tls13;
                        https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.NoCertificate;
                    });
                }
            });
            if (!string.IsNullOrEmpty(options.MetricsListen))
            {
                var metrics = ListenAddress.Parse("Agent:MetricsListen", options.MetricsListen, "http://127.0.0.1:9464");
                kestrel.Listen(metrics.Address, metrics.Port, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });

    /// <summary>
    /// The gRPC services, health and reflection; Prometheus <c>/metrics</c>, <c>/healthz/live</c> and
    /// <c>/healthz/ready</c> (answered on the metrics port only when one is configured).
    /// </summary>
    public static WebApplication MapAgent(this WebApplication app)
    {
        app.UseRateLimiter();
        app.UseMiddleware<GrpcFramingRefusals>(); // reasons for grpc-dotnet's own refusals of a request it cannot read
        app.UseMiddleware<LargeBodyLimiter>(); // at most Agent:Limits:MaxLargeBodies large messages held at once
        app.MapGrpcService<AttestationService>();
        app.MapGrpcService<JobService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        _ = app.Services.GetRequiredService<AgentMetrics>(); // registers the observed gauges
        var metricsListen = app.Services.GetRequiredService<IOptions<AgentOptions>>().Value.MetricsListen;
        var port = ListenAddress.TryParse(metricsListen, out var metrics, out _) ? metrics.Port : (int?)null;
        var live = app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains(AgentHealthTags.Live), ResponseWriter = HealthResponseWriter.WriteAsync });
        var ready = app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(AgentHealthTags.Ready), ResponseWriter = HealthResponseWriter.WriteAsync });
        var scrape = app.MapPrometheusScrapingEndpoint("/metrics");
        if (port is { } metricsPort)
        {
            live.RequireHost($"*:{metricsPort}");
            ready.RequireHost($"*:{metricsPort}");
            scrape.RequireHost($"*:{metricsPort}");
        }

        return app;
    }

    /// <summary>
    /// Runs the host until it stops, then rethrows a failure recorded after start (<see cref="AgentFault"/>, e.g. a registration
    /// no retry can fix), so that it ends as one line and its exit code like a start-up error.
    /// </summary>
    public static async Task RunAgentAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var fault = app.Services.GetRequiredService<AgentFault>(); // resolved first: RunAsync disposes the services
        await app.RunAsync();
        fault.ThrowIfFailed();
    }
}
