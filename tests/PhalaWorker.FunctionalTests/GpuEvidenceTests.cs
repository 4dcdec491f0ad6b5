using System.Security.Cryptography;
using System.Text.Json;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Cli.Commands;
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
        Assert.That(node.Gpu, Is.Not.Null, "this node serves fresh GPU evidence too");
        LogAssert.VerifyNoErrors(factory.Logs);
    }

    [Test]
    public async Task Attest_NoGpuEvidenceProvider_GpuNullAsync()
    {
        using var directory = new TempDirectory("gpu-none");
        await using var factory = new AgentFactory(directory);
        using var client = factory.CreateWorkerClient();

        var node = await new NodeVerifier(client, factory.VerifierOptions()).VerifyAsync().DefaultTimeout();

        Assert.That(node.Gpu, Is.Null);
        using var json = JsonDocument.Parse(AttestCommandFactory.ToJson(node));
        Assert.That(json.RootElement.GetProperty("gpu").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(SubmitFormat.GpuLine(node), Is.EqualTo("  GPU: none attested (backend cpu)"));
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
        var appraised = node.Gpu.Appraisal!.Gpus.Single();
        Assert.Multiple(() =>
        {
            // The agent's emulated GPU went through the same GpuVerifier as NVIDIA hardware: signed SPDM report, 5-certificate
            // device chain, FWID, OCSP, both RIMs and the measurement comparison.
            Assert.That(appraised.SignatureVerified && appraised.CertChainVerified && appraised.FwidMatch == true, Is.True);
            Assert.That(appraised.Ocsp, Is.EqualTo(PhalaWorker.Attestation.Gpu.Ocsp.OcspCertificateStatus.Good));
            Assert.That(appraised.Measurements, Is.EqualTo(PhalaWorker.Attestation.Gpu.Appraisal.MeasurementStatus.Match));
        });
        Assert.That(node.Gpu.Format, Is.EqualTo(PhalaWorker.Attestation.Gpu.Evidence.NvidiaRemoteEvidence.Format));
        Assert.That(node.Gpu.Gpus, Is.Not.Empty);
        Assert.That(node.Bundle.GpuEvidenceBindingVersion, Is.EqualTo(GpuEvidenceBinding.Version));

        // What `phala-worker attest` prints for it: one GPU line, and the JSON member gpu with the per-GPU fields.
        using (var json = JsonDocument.Parse(AttestCommandFactory.ToJson(node)))
        {
            var gpu = json.RootElement.GetProperty("gpu");
            Assert.That(gpu.GetProperty("verified").GetBoolean(), Is.True);
            Assert.That(gpu.GetProperty("emulated").GetBoolean(), Is.True);
            Assert.That(gpu.GetProperty("format").GetString(), Is.EqualTo(PhalaWorker.Attestation.Gpu.Evidence.NvidiaRemoteEvidence.Format));
            Assert.That(gpu.GetProperty("evidenceSha256").GetString(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(node.Bundle.FreshGpuEvidence.Span))));
            var first = gpu.GetProperty("gpus")[0];
            Assert.That(first.GetProperty("index").GetInt32(), Is.Zero);
            Assert.That(first.GetProperty("uuid").GetString(), Does.StartWith("GPU-"));
            Assert.That(first.GetProperty("ccMode").GetString(), Is.EqualTo("on"));
        }

        Assert.That(SubmitFormat.GpuLine(node), Does.StartWith("  GPU: 1 verified, EMULATED GPU evidence").And.Contain("GPU 0 EMULATED GPU-"));

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
