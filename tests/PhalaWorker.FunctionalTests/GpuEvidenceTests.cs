using System.Security.Cryptography;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Client;
using PhalaWorker.Testing;

namespace PhalaWorker.FunctionalTests;

/// <summary>An agent with (emulated) GPU evidence binds its digest into report_data, and the SDK checks the binding.</summary>
public sealed class GpuEvidenceTests
{
    [Test]
    public async Task GetAttestation_EmulatedGpuEvidence_BoundIntoReportDataAndVerifiedAsync()
    {
        using var directory = new TempDirectory("gpu-evidence");
        await using var factory = new AgentFactory(directory, new Dictionary<string, string?> { ["Attestation:GpuEvidence"] = "emulated" });
        using var client = factory.CreateWorkerClient();

        var bundle = await client.GetAttestationAsync(RandomNumberGenerator.GetBytes(32)).DefaultTimeout();
        var node = await new NodeVerifier(client, factory.VerifierOptions())
            .VerifyAsync().DefaultTimeout();

        Assert.Multiple(() =>
        {
            Assert.That(bundle.GpuEvidence.IsEmpty, Is.False);
            Assert.That(bundle.GpuEvidenceDigest.ToByteArray(), Is.EqualTo(GpuEvidence.ComputeDigest(bundle.GpuEvidence.Span)));
            Assert.That(bundle.GpuEvidenceDigest.ToByteArray(), Is.Not.EqualTo(new byte[32]));
            Assert.That(node.Appraisal.Valid, Is.True);
        });
        LogAssert.VerifyNoErrors(factory.Logs);
    }

    [Test]
    public async Task GetAttestation_EmulatedGpuEvidence_FreshEvidenceAcceptedOnlyWithAllowEmulatedAsync()
    {
        using var directory = new TempDirectory("gpu-fresh");
        await using var factory = new AgentFactory(directory, new Dictionary<string, string?> { ["Attestation:GpuEvidence"] = "emulated" });
        using var client = factory.CreateWorkerClient();

        var node = await new NodeVerifier(client, factory.VerifierOptions()).VerifyAsync().DefaultTimeout();

        Assert.That(node.Gpu, Is.Not.Null, "the SDK verified the node's fresh GPU evidence");
        Assert.That(node.Gpu!.Emulated, Is.True);
        Assert.That(node.Gpu.Format, Is.EqualTo(EmulatedGpuEvidence.Format));
        Assert.That(node.Gpu.Gpus, Is.Not.Empty);
        Assert.That(node.Bundle.GpuEvidenceBindingVersion, Is.EqualTo(GpuEvidenceBinding.Version));

        // Without AllowEmulated the emulated TEE is refused before the GPU step, so the GPU step is also asked on its own,
        // on the very bundle the agent served.
        var strictOptions = factory.VerifierOptions();
        strictOptions.AllowEmulated = false;
        var strict = new NodeVerifier(client, strictOptions);
        var whole = Assert.ThrowsAsync<WorkerClientException>(async () => await strict.VerifyAsync().DefaultTimeout());
        var gpuStep = Assert.Throws<WorkerClientException>(() => strict.VerifyFreshGpuEvidence(node.Bundle, node.Bundle.Nonce.Span, node.Agent!));

        Assert.That(whole!.Reason, Is.EqualTo(WorkerClientErrorReason.EmulatedNotAllowed));
        Assert.That(gpuStep!.Reason, Is.EqualTo(WorkerClientErrorReason.EmulatedNotAllowed));
        Assert.That(gpuStep.Message, Does.Contain("fresh GPU evidence is EMULATED"));
        LogAssert.VerifyNoErrors(factory.Logs);
    }
}
