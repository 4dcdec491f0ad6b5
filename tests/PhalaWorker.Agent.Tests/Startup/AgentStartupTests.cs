using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Attestation.Providers;
using PhalaWorker.Compute;
using PhalaWorker.Testing;

namespace PhalaWorker.Agent.Tests.Startup;

/// <summary>The host's start-up rules: no TEE, no start (unless emulation is asked for, and then a loud warning).</summary>
public sealed class AgentStartupTests
{
    [Test]
    public void Start_NoTeeAndNoEmulation_RefusesToStart()
    {
        using var directory = new TempDirectory("no-tee");
        using var factory = Factory(directory, new()
        {
            ["Attestation:Tee"] = "auto",
            ["Attestation:ConfigFsTsmRoot"] = directory.File("no-such-tsm"),
            ["Attestation:TdxGuestDevice"] = directory.File("no-such-device"),
        });

        var ex = Assert.Catch(() => factory.CreateClient());

        Assert.That(Flatten(ex!).OfType<TeeProviderException>(), Is.Not.Empty, ex!.ToString());
    }

    [Test]
    public void Start_Emulated_AttestsAndWarnsLoudly()
    {
        using var directory = new TempDirectory("emulated");
        using var factory = Factory(directory, new() { ["Attestation:Tee"] = "emulated" });

        factory.CreateClient().Dispose();
        var node = factory.Services.GetRequiredService<NodeContext>().Current;
        var logs = factory.Services.GetRequiredService<FakeLogCollector>();

        Assert.That(node, Is.Not.Null);
        Assert.That(node!.Bundle.TeeType, Is.EqualTo(Protocol.V1.TeeType.EmulatedTdx));
        Assert.That(node.Bundle.EventLog.Select(e => e.EventType),
            Is.EqualTo(new[] { "agent-version", "agent-digest" }.Concat(MeasuredSettings.Names.Select(_ => "setting"))));
        Assert.That(node.Bundle.EventLog[1].EventData.ToByteArray(), Is.EqualTo(AgentDigest.Compute(AppContext.BaseDirectory)));
        Assert.That(logs.GetSnapshot().Any(r => r.Id.Id == 5001 && r.Level == LogLevel.Warning), Is.True);
        LogAssert.VerifyNoErrors(logs);
    }

    [Test]
    public void SwitchMappings_TeeEmulated_MapsToAttestationTee()
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(["--tee", "emulated", "--listen", "http://127.0.0.1:9"], AgentOptions.SwitchMappings).Build();

        Assert.That(configuration["Attestation:Tee"], Is.EqualTo("emulated"));
        Assert.That(configuration["Agent:Listen"], Is.EqualTo("http://127.0.0.1:9"));
    }

    [Test]
    public void MeasuredSettings_Defaults_EqualTheOptionsDefaults()
    {
        var measured = MeasuredSettings.Collect(new ConfigurationBuilder().Build(), "Production", "emulated", "cpu").ToDictionary(p => p.Key, p => p.Value);
        var compute = new ComputeOptions();
        var agent = new AgentOptions();
        var attestation = new AttestationOptions();
        string Text(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Multiple(() =>
        {
            Assert.That(measured[MeasuredSettings.GpuEvidence], Is.EqualTo(attestation.GpuEvidence));
            Assert.That(measured[MeasuredSettings.ExtendHardwareRtmr], Is.EqualTo(attestation.ExtendHardwareRtmr ? "true" : "false"));
            Assert.That(measured[MeasuredSettings.ModelCacheEntries], Is.EqualTo(Text(compute.ModelCacheEntries)));
            Assert.That(measured[MeasuredSettings.ModelCacheMaxBytes], Is.EqualTo(Text(compute.ModelCacheMaxBytes)));
            Assert.That(measured[MeasuredSettings.MaxModelBytes], Is.EqualTo(Text(compute.MaxModelBytes)));
            Assert.That(measured[MeasuredSettings.MaxTensorElements], Is.EqualTo(Text(compute.MaxTensorElements)));
            Assert.That(measured[MeasuredSettings.MaxPlannedMemoryBytes], Is.EqualTo(Text(compute.MaxPlannedMemoryBytes)));
            Assert.That(measured[MeasuredSettings.MaxNodes], Is.EqualTo(Text(compute.MaxNodes)));
            Assert.That(measured[MeasuredSettings.MaxMessageBytes], Is.EqualTo(Text(agent.MaxMessageBytes)));
            Assert.That(measured[MeasuredSettings.MaxQueuedJobs], Is.EqualTo(Text(agent.MaxQueuedJobs)));
            Assert.That(measured[MeasuredSettings.TlsMode], Is.EqualTo(agent.TlsMode));
            Assert.That(measured[MeasuredSettings.TlsMode], Is.EqualTo("ra-tls"), "RA-TLS is the default");
            Assert.That(agent.Listen, Does.StartWith("https://"));
            Assert.That(attestation.GpuPolicy, Is.Null);
            Assert.That(measured[MeasuredSettings.GpuPolicy], Is.EqualTo(MeasuredSettings.StrictGpuPolicy), "no policy file: the strict policy");
            Assert.That(measured[MeasuredSettings.LogLevel], Is.EqualTo("Information"));
            Assert.That(measured[MeasuredSettings.TelemetryEndpoint], Is.EqualTo("none"));
        });
    }

    [Test]
    public void MeasuredSettings_VerboseCategoryOrTelemetry_Measured()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:PhalaWorker.Agent.Jobs"] = "Trace",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4317",
            ["Compute:ModelCacheEntries"] = "0",
        }).Build();

        var measured = MeasuredSettings.Collect(configuration, "Production", "configfs-tsm", "cuda").ToDictionary(p => p.Key, p => p.Value);

        Assert.That(measured[MeasuredSettings.LogLevel], Is.EqualTo("Trace"), "the most verbose category counts");
        Assert.That(measured[MeasuredSettings.TelemetryEndpoint], Is.EqualTo("http://collector:4317"));
        Assert.That(measured[MeasuredSettings.ModelCacheEntries], Is.EqualTo("0"));
        Assert.That(measured[MeasuredSettings.Tee], Is.EqualTo("configfs-tsm"));
        Assert.That(measured[MeasuredSettings.ComputeBackend], Is.EqualTo("cuda"));
    }

    private static IEnumerable<Exception> Flatten(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }

    private static WebApplicationFactory<Program> Factory(TempDirectory directory, Dictionary<string, string?> settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Agent:JournalPath", directory.File("journal.db"));
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.ClearProviders().AddFakeLogging());
        });
}
