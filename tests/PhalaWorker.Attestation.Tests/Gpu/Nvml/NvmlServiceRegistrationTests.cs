using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Attestation.Gpu.Nvml;
using PhalaWorker.Testing;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Attestation.Tests.Gpu.Nvml;

/// <summary>AddAttestation with Attestation:GpuEvidence = nvml and the fake NVML as Attestation:Nvml:LibraryPath.</summary>
[NonParallelizable] // the fake's configuration is process-wide
public sealed class NvmlServiceRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAttestation(configuration);
        return services.BuildServiceProvider();
    }

    [Test]
    public async Task AddAttestation_GpuEvidenceNvml_CollectsRemoteEvidenceFromConfiguredLibraryAsync()
    {
        var fake = FakeNvml.RequirePath(FakeNvml.LibraryFileName);
        using var directory = new TempDirectory("fake-nvml");
        FakeNvml.Configure(fake, directory);
        await using var services = Build(new() { ["Tee"] = "emulated", ["GpuEvidence"] = "nvml", ["Nvml:LibraryPath"] = fake, ["Nvml:CallTimeout"] = "00:00:05" });

        var provider = services.GetRequiredService<IGpuEvidenceProvider>();
        var evidence = await provider.CollectAsync(new byte[32], CancellationToken.None).AsTask().DefaultTimeout();

        Assert.That(provider, Is.TypeOf<NvmlGpuEvidenceProvider>());
        Assert.That(evidence.Format, Is.EqualTo(NvidiaRemoteEvidence.Format));
    }

    [Test]
    public async Task AddAttestation_NvmlCallTimeoutZero_ValidationNamesTheFieldAsync()
    {
        await using var services = Build(new() { ["Tee"] = "emulated", ["GpuEvidence"] = "nvml", ["Nvml:CallTimeout"] = "00:00:00" });

        var ex = Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(() => services.GetRequiredService<IGpuEvidenceProvider>());

        Assert.That(ex!.Message, Does.Contain("CallTimeout"));
    }
}
