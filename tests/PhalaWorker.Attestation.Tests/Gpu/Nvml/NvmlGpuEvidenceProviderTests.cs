using System.Text.Json;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Attestation.Gpu.Nvml;
using PhalaWorker.Testing;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Attestation.Tests.Gpu.Nvml;

[NonParallelizable] // the fake's configuration is process-wide
public sealed class NvmlGpuEvidenceProviderTests
{
    private TempDirectory _directory = null!;
    private string _fake = null!;

    [SetUp]
    public void SetUp()
    {
        _fake = FakeNvml.RequirePath(FakeNvml.LibraryFileName);
        _directory = new TempDirectory("fake-nvml");
    }

    [TearDown]
    public void TearDown() => _directory?.Dispose(); // SetUp may have skipped (no fake NVML built) before creating it

    private NvmlGpuEvidenceProvider Provider(string? library = null, params string[] config)
    {
        FakeNvml.Configure(library ?? _fake, _directory, config);
        return new NvmlGpuEvidenceProvider(new NvmlOptions { LibraryPath = library ?? _fake, CallTimeout = TimeSpan.FromSeconds(10) });
    }

    private static byte[] Nonce => Convert.FromHexString(File.ReadAllText(TestData.Path("gpu-attestation", "nonce.hex")).Trim());

    [Test]
    public async Task CollectAsync_TwoGpus_RemoteEvidenceJsonWithRealReportAndChainAsync()
    {
        await using var provider = Provider(null, "gpus=2");

        var evidence = await provider.CollectAsync(Nonce, CancellationToken.None).AsTask().DefaultTimeout();

        Assert.That(evidence.Format, Is.EqualTo("nvidia-remote-evidence/v1"));
        using var json = JsonDocument.Parse(evidence.Evidence);
        var gpus = json.RootElement.EnumerateArray().ToArray();
        Assert.That(gpus, Has.Length.EqualTo(2));
        var first = gpus[0];
        Assert.Multiple(() =>
        {
            Assert.That(first.EnumerateObject().Select(p => p.Name),
                Is.EqualTo(new[] { "arch", "certificate", "evidence", "nonce", "driverVersion", "vbiosVersion", "uuid" }));
            Assert.That(first.GetProperty("arch").GetString(), Is.EqualTo("HOPPER"));
            Assert.That(first.GetProperty("evidence").GetBytesFromBase64(), Is.EqualTo(TestData.ReadBytes("gpu-attestation", "attestation_report.bin")));
            Assert.That(first.GetProperty("certificate").GetBytesFromBase64(), Is.EqualTo(TestData.ReadBytes("gpu-attestation", "cert_chain.pem")));
            Assert.That(first.GetProperty("nonce").GetString(), Is.EqualTo("931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"));
            Assert.That(first.GetProperty("driverVersion").GetString(), Is.EqualTo("550.90.07"));
            Assert.That(first.GetProperty("vbiosVersion").GetString(), Is.EqualTo("96.00.9F.00.01"));
            Assert.That(first.GetProperty("uuid").GetString(), Is.Not.EqualTo(gpus[1].GetProperty("uuid").GetString()));
            Assert.That(evidence.Digest, Is.EqualTo(GpuEvidence.ComputeDigest(evidence.Evidence)));
        });
    }

    [Test]
    public async Task CollectAsync_OtherNonce_ReportUnchangedSoOnlyTheVerifierCanCatchItAsync()
    {
        await using var provider = Provider();
        var other = new byte[32];

        var evidence = await provider.CollectAsync(other, CancellationToken.None).AsTask().DefaultTimeout();

        using var json = JsonDocument.Parse(evidence.Evidence);
        var gpu = json.RootElement[0];
        Assert.That(gpu.GetProperty("nonce").GetString(), Is.EqualTo(new string('0', 64)));
        var report = gpu.GetProperty("evidence").GetBytesFromBase64();
        Assert.That(report.AsSpan(4, 32).ToArray(), Is.EqualTo(Nonce), "the fake cannot re-sign: the report still carries nonce.hex");
    }

    [Test]
    public async Task InspectAsync_CcOnProd_UsableAsync()
    {
        await using var provider = Provider();

        var state = await provider.InspectAsync(CancellationToken.None);

        Assert.That(state.IsUsable, Is.True, state.UnusableReason);
        Assert.That(state.ConfidentialComputeEnabled, Is.True);
        Assert.That(state.DevToolsMode, Is.False);
        Assert.That(state.Environment, Is.EqualTo("PROD"));
        Assert.That(state.MultiGpuMode, Is.EqualTo("NONE"));
        Assert.That(state.GpusReady, Is.False);
        Assert.That(state.Gpus.Single().Architecture, Is.EqualTo("HOPPER"));
    }

    [TestCase("cc=off", "confidential computing is off")]
    [TestCase("devtools=on", "CC DevTools mode is on")]
    [TestCase("environment=sim", "the CC environment is SIM, not PROD")]
    [TestCase("multigpu=ppcie", "multi-GPU CC mode PPCIE")]
    [TestCase("gpus=0", "NVML reports no GPUs")]
    [TestCase("arch=7", "architecture ARCH_7")]
    public async Task Gate_FieldFailureMode_NotUsableWithReasonAndCollectRefusesAsync(string config, string reason)
    {
        await using var provider = Provider(null, config);

        var state = await provider.InspectAsync(CancellationToken.None);
        var ex = Assert.ThrowsAsync<NvmlException>(async () => await provider.CollectAsync(Nonce, CancellationToken.None));

        Assert.That(state.IsUsable, Is.False);
        Assert.That(state.UnusableReason, Does.Contain(reason));
        Assert.That(ex!.NvmlReason, Is.EqualTo(NvmlErrorReason.NotUsable));
        Assert.That(ex.Message, Does.Contain(reason));
    }

    [Test]
    public async Task Gate_NoCcApi_NotUsableDriverTooOldAsync()
    {
        var nocc = FakeNvml.RequirePath(FakeNvml.NoCcLibraryFileName);
        await using var provider = Provider(nocc);

        var state = await provider.InspectAsync(CancellationToken.None);

        Assert.That(state.HasConfidentialComputeApi, Is.False);
        Assert.That(state.ConfidentialComputeEnabled, Is.Null);
        Assert.That(state.UnusableReason, Does.StartWith("this NVML has no confidential-computing API (driver too old)"));
    }

    [Test]
    public async Task SetGpusReadyAsync_Usable_SetsReadyStateAsync()
    {
        await using var provider = Provider();

        await provider.SetGpusReadyAsync(CancellationToken.None);

        Assert.That((await provider.InspectAsync(CancellationToken.None)).GpusReady, Is.True);
    }

    [Test]
    public async Task SetGpusReadyAsync_DevTools_RefusedAsync()
    {
        await using var provider = Provider(null, "devtools=on");

        var ex = Assert.ThrowsAsync<NvmlException>(async () => await provider.SetGpusReadyAsync(CancellationToken.None));

        Assert.That(ex!.NvmlReason, Is.EqualTo(NvmlErrorReason.NotUsable));
        Assert.That((await provider.InspectAsync(CancellationToken.None)).GpusReady, Is.False);
    }

    [Test]
    public async Task CollectAsync_ReportHangs_TimeoutErrorAsync()
    {
        FakeNvml.Configure(_fake, _directory, "report_delay_ms=3000");
        await using var provider = new NvmlGpuEvidenceProvider(new NvmlOptions { LibraryPath = _fake, CallTimeout = TimeSpan.FromMilliseconds(250) });

        var ex = Assert.ThrowsAsync<NvmlException>(async () => await provider.CollectAsync(Nonce, CancellationToken.None));

        Assert.That(ex!.NvmlReason, Is.EqualTo(NvmlErrorReason.Timeout));
    }

    [Test]
    public async Task CollectAsync_WrongNonceLength_ArgumentExceptionAsync()
    {
        await using var provider = Provider();

        Assert.ThrowsAsync<ArgumentException>(async () => await provider.CollectAsync(new byte[16], CancellationToken.None));
    }
}
