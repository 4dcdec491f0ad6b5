using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Attestation.Providers;
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
        // The measured identity: agent version, digest of its binaries, then one event per measured setting.
        Assert.That(node.Bundle.EventLog.Select(e => e.EventType).Take(2), Is.EqualTo(new[] { "agent-version", "agent-digest" }));
        Assert.That(node.Bundle.EventLog.Skip(2).Select(e => e.EventType), Has.All.EqualTo("setting"));
        Assert.That(node.Bundle.EventLog, Has.Count.EqualTo(2 + Attestation.Measurement.MeasuredSettings.Names.Count));
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
    public void MeasuredSettings_IgnoreSecretsAndOrder()
    {
        // Replaces the configuration-digest test: the agent now measures named settings (MeasuredSettings), not a digest of all configuration.
        var a = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Agent:MaxQueuedJobs"] = "4", ["Registry:OperatorKey"] = "0x01", ["Compute:MaxNodes"] = "10" }).Build();
        var b = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Compute:MaxNodes"] = "10", ["Agent:MaxQueuedJobs"] = "4", ["Registry:OperatorKey"] = "0x02" }).Build();

        var settingsA = Attestation.Measurement.MeasuredSettings.Collect(a, "Production", "emulated", "cpu");
        var settingsB = Attestation.Measurement.MeasuredSettings.Collect(b, "Production", "emulated", "cpu");
        var cuda = Attestation.Measurement.MeasuredSettings.Collect(a, "Production", "emulated", "cuda");

        Assert.That(settingsA, Is.EqualTo(settingsB));
        Assert.That(settingsA.Select(p => p.Value), Has.None.Contains("0x01"));
        Assert.That(cuda, Is.Not.EqualTo(settingsA));
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
