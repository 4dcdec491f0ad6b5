using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PhalaWorker.Agent.Grpc;
using PhalaWorker.Agent.Health;
using PhalaWorker.Agent.Jobs;
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
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient();
        services.PostConfigure<AttestationOptions>(o =>
            o.EmulationSeed = string.IsNullOrEmpty(o.EmulationSeed) ? Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(AttestationBootstrapper.EmulationSeed)) : o.EmulationSeed);
        services.TryAddSingleton<NodeContext>();
        services.TryAddSingleton<GpuAttestor>();
        services.TryAddSingleton<ChainBinding>();
        services.TryAddSingleton(sp => JobJournal.Open(sp.GetRequiredService<IOptions<AgentOptions>>().Value.JournalPath, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<JobQueue>();
        services.TryAddSingleton<JobEvents>();
        services.TryAddSingleton<JobValidator>();
        services.TryAddSingleton<ResultPoster>();
        services.TryAddSingleton<RegistryGateway>();

        // Hosted services start in this order: attest, then register, then run and post.
        services.AddHostedService<AttestationBootstrapper>();
        services.AddHostedService<CollateralRefresher>();
        services.AddHostedService<RegistrationHeartbeat>();
        services.AddHostedService<JobRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<ResultPoster>());
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
        services.AddGrpcHealthChecks().AddCheck<AgentHealthCheck>("agent");
        services.AddGrpcReflection();
        return services;
    }

    /// <summary>Traces and metrics; exported over OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured.</summary>
    public static IServiceCollection AddAgentTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("phala-worker-agent", serviceVersion: new AgentOptions().AgentVersion))
            // Every library's ActivitySource and Meter is named PhalaWorker.<Project> (CONVENTIONS.md 18).
            .WithTracing(tracing => tracing.AddSource(AgentTelemetry.Name, "PhalaWorker.*").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics.AddMeter(AgentTelemetry.Name, "PhalaWorker.*").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.UseOtlpExporter();
        }

        return services;
    }

    /// <summary>Kestrel on <see cref="AgentOptions.Listen"/>, HTTP/2 only, request bodies bounded by the message limit.</summary>
    public static IWebHostBuilder UseAgentKestrel(this IWebHostBuilder webHost) =>
        webHost.ConfigureKestrel((context, kestrel) =>
        {
            var options = context.Configuration.GetSection(AgentOptions.SectionName).Get<AgentOptions>() ?? new AgentOptions();
            var uri = new Uri(options.Listen);
            kestrel.Limits.MaxRequestBodySize = options.MaxMessageBytes;
            var address = uri.Host switch
            {
                "localhost" => IPAddress.Loopback,
                "*" or "+" => IPAddress.Any,
                _ => IPAddress.Parse(uri.Host.Trim('[', ']')),
            };
            kestrel.Listen(address, uri.Port, listen => listen.Protocols = HttpProtocols.Http2);
        });

    /// <summary>The gRPC services, health and reflection.</summary>
    public static WebApplication MapAgent(this WebApplication app)
    {
        app.MapGrpcService<AttestationService>();
        app.MapGrpcService<JobService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
