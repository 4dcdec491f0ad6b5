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
}
