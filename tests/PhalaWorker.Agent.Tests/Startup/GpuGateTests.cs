using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PhalaWorker.Agent.Grpc;
using PhalaWorker.Agent.Startup;
using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Collateral;
using PhalaWorker.Attestation.Gpu.Policy;
using PhalaWorker.Attestation.Gpu.Verification;
using PhalaWorker.Attestation.Gpu.Nvml;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Agent.Tests.Startup;

/// <summary>
/// The fail-closed GPU gate at start (a <c>cuda</c> node never serves without verified GPU evidence) and the fresh GPU
/// evidence of each GetAttestation. The cuda backend is a stand-in named "cuda" (this machine has no GPU); NVML is the
/// fake built by native/ (skipped, with the reason, when it is not built).
/// </summary>
[NonParallelizable] // the fake NVML's configuration is process-wide
public sealed class GpuGateTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory("gpu-gate");

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void Start_CudaWithoutGpuEvidenceProvider_RefusesNamingTheProvider()
    {
        using var factory = Factory(new() { ["Attestation:Tee"] = "emulated", ["Compute:Backend"] = "cuda" });

        var refusal = StartRefusal(factory);

        Assert.That(refusal.Message, Does.Contain("compute backend is cuda").And.Contain("Attestation:GpuEvidence is 'none'"));
    }

    [Test]
    public async Task Start_CudaNvmlCcOff_RefusesNamingTheCcGateAsync()
    {
        var fake = FakeNvml.RequirePath(FakeNvml.LibraryFileName);
        FakeNvml.Configure(fake, _directory, "cc=off");
        using var factory = Factory(NvmlSettings(fake));

        var refusal = StartRefusal(factory);

        Assert.That(refusal.Message, Does.Contain("CC gate failed").And.Contain("confidential computing is off"));
        Assert.That(await GpusReadyAsync(fake), Is.False, "the GPUs must not be set ready");
    }

    [Test]
    public async Task Start_CudaNvmlDevToolsOn_RefusesNamingDevToolsAsync()
    {
        var fake = FakeNvml.RequirePath(FakeNvml.LibraryFileName);
        FakeNvml.Configure(fake, _directory, "devtools=on");
        using var factory = Factory(NvmlSettings(fake));

        var refusal = StartRefusal(factory);

        Assert.That(refusal.Message, Does.Contain("CC gate failed").And.Contain("DevTools"));
        Assert.That(await GpusReadyAsync(fake), Is.False, "the GPUs must not be set ready");
    }

    [Test]
    public async Task Start_CudaNvmlCcOnButEvidenceNotForThisNode_RefusesAtTheNonceCheckAsync()
    {
        // The gate passes (CC on, DevTools off, PROD), but the fake answers with the real H100 report, whose nonce is the one
        // it was captured with and not this node's boot nonce: verification under the strict policy must refuse the start.
        var fake = FakeNvml.RequirePath(FakeNvml.LibraryFileName);
        FakeNvml.Configure(fake, _directory);
        using var factory = Factory(NvmlSettings(fake));

        var refusal = StartRefusal(factory);

        Assert.That(refusal.Message, Does.Contain("boot GPU evidence failed verification at Nonce"));
        Assert.That(await GpusReadyAsync(fake), Is.False, "the GPUs must not be set ready");
    }

    [Test]
    public async Task GetAttestation_CudaWithEmulatedGpuEvidence_FreshEvidenceSignedForTheDerivedNonceAsync()
    {
        using var factory = Factory(new() { ["Attestation:Tee"] = "emulated", ["Attestation:GpuEvidence"] = "emulated", ["Compute:Backend"] = "cuda" });
        using var channel = Channel(factory);
        var nonce = RandomNumberGenerator.GetBytes(32);

        var bundle = await new Protocol.V1.Attestation.AttestationClient(channel).GetAttestationAsync(new GetAttestationRequest { Nonce = ByteString.CopyFrom(nonce) });

        var gpuNonce = GpuEvidenceBinding.DeriveNonce(nonce, bundle.NodeAddress.Span, bundle.HpkePublicKey.Span);
        var digest = GpuEvidenceBinding.SignatureDigest(nonce, bundle.FreshGpuEvidence.Span, bundle.GpuCollateral);
        var tee = EmulatedTee.FromSeed(System.Text.Encoding.ASCII.GetBytes(AttestationBootstrapper.EmulationSeed), DateTimeOffset.UnixEpoch.AddYears(50));
        var gpu = tee.CreateGpu(TimeProvider.System.GetUtcNow());
        var context = GpuCollateral.FromJson(System.Text.Encoding.UTF8.GetBytes(bundle.GpuCollateral)).ApplyTo(new GpuVerificationContext
        {
            At = TimeProvider.System.GetUtcNow(),
            Policy = GpuAttestationPolicy.Strict with { AllowEmulated = true },
            Roots = gpu.TrustedRoots,
            RimRoots = gpu.RimTrustedRoots,
            ExpectedNonce = gpuNonce,
        });
        var appraisal = GpuVerifier.VerifyRemoteEvidence(bundle.FreshGpuEvidence.Span, context);
        var strict = GpuVerifier.VerifyRemoteEvidence(bundle.FreshGpuEvidence.Span, context with { Policy = GpuAttestationPolicy.Strict });
        Assert.Multiple(() =>
        {
            Assert.That(bundle.ComputeBackend, Is.EqualTo("cuda"));
            Assert.That(bundle.GpuEvidenceBindingVersion, Is.EqualTo(1));
            Assert.That(bundle.FreshGpuEvidence.IsEmpty, Is.False);
            Assert.That(bundle.FreshGpuEvidence, Is.Not.EqualTo(bundle.GpuEvidence), "fresh evidence is collected per request");
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(appraisal.Emulated, Is.True);
            Assert.That(appraisal.Gpus.Single().Measurements, Is.EqualTo(MeasurementStatus.Match), "the stapled emulated RIMs match");
            Assert.That(strict.FailedCheck, Is.EqualTo(GpuCheck.EmulatedRoot), "the strict policy refuses the emulated GPU");
            Assert.That(Secp256k1.TryRecover(digest, EthSignature.FromBytes65(bundle.FreshGpuEvidenceSignature.Span), out var signer), Is.True);
            Assert.That(signer, Is.EqualTo(new EthAddress(bundle.NodeAddress.Span)));
        });
        LogAssert.VerifyNoErrors(factory.Services.GetRequiredService<FakeLogCollector>());
    }

    [Test]
    public async Task GetAttestation_NoGpuEvidenceProvider_FreshFieldsEmptyAsync()
    {
        using var factory = Factory(new() { ["Attestation:Tee"] = "emulated" });
        using var channel = Channel(factory);

        var bundle = await new Protocol.V1.Attestation.AttestationClient(channel).GetAttestationAsync(new GetAttestationRequest { Nonce = ByteString.CopyFrom(new byte[32]) });

        Assert.Multiple(() =>
        {
            Assert.That(bundle.FreshGpuEvidence.IsEmpty, Is.True);
            Assert.That(bundle.FreshGpuEvidenceSignature.IsEmpty, Is.True);
            Assert.That(bundle.GpuCollateral, Is.Empty);
            Assert.That(bundle.GpuEvidenceBindingVersion, Is.Zero);
        });
    }

    [Test]
    public async Task GetAttestation_NvmlFailsAfterStart_UnavailableWithReasonAsync()
    {
        var provider = new ScriptedProvider(fail: true);
        using var factory = Factory(new() { ["Attestation:Tee"] = "emulated" }, provider);
        using var channel = Channel(factory);

        var ex = Assert.ThrowsAsync<RpcException>(async () =>
            await new Protocol.V1.Attestation.AttestationClient(channel).GetAttestationAsync(new GetAttestationRequest { Nonce = ByteString.CopyFrom(new byte[32]) }));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(ex.Trailers.GetValue(RpcErrors.ReasonTrailer), Is.EqualTo("GPU_EVIDENCE_UNAVAILABLE"));
        Assert.That(ex.Status.Detail, Does.Contain("NVML failed (CallFailed)"));
    }

    [Test]
    public async Task GetAttestation_GpusDoNotAnswer_UnavailableAfterTheTimeoutAsync()
    {
        var provider = new ScriptedProvider(fail: false);
        using var factory = Factory(new() { ["Attestation:Tee"] = "emulated", ["Attestation:GpuEvidenceTimeout"] = "00:00:01" }, provider);
        using var channel = Channel(factory);

        var ex = Assert.ThrowsAsync<RpcException>(async () =>
            await new Protocol.V1.Attestation.AttestationClient(channel).GetAttestationAsync(new GetAttestationRequest { Nonce = ByteString.CopyFrom(new byte[32]) }));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(ex.Trailers.GetValue(RpcErrors.ReasonTrailer), Is.EqualTo("GPU_EVIDENCE_UNAVAILABLE"));
        Assert.That(ex.Status.Detail, Does.Contain("did not answer within 1 s"));
    }

    private Dictionary<string, string?> NvmlSettings(string fake) => new()
    {
        ["Attestation:Tee"] = "emulated",
        ["Attestation:GpuEvidence"] = "nvml",
        ["Attestation:Nvml:LibraryPath"] = fake,
        // No network: collateral comes only from an (empty) offline directory.
        ["Attestation:GpuCollateral:OfflineDirectory"] = Directory.CreateDirectory(_directory.File("gpu-collateral")).FullName,
        ["Compute:Backend"] = "cuda",
    };

    private static async Task<bool?> GpusReadyAsync(string fake)
    {
        await using var nvml = new NvmlGpuEvidenceProvider(new NvmlOptions { LibraryPath = fake, CallTimeout = TimeSpan.FromSeconds(10) });
        return (await nvml.InspectAsync(CancellationToken.None)).GpusReady;
    }

    private static AttestationException StartRefusal(WebApplicationFactory<Program> factory)
    {
        var ex = Assert.Catch(() => factory.CreateClient());
        var refusal = Flatten(ex!).OfType<AttestationException>().FirstOrDefault(e => e.Reason == AttestationErrorReason.GpuEvidenceRejected);
        Assert.That(refusal, Is.Not.Null, ex!.ToString());
        return refusal!;
    }

    private static GrpcChannel Channel(WebApplicationFactory<Program> factory) =>
        GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });

    private WebApplicationFactory<Program> Factory(Dictionary<string, string?> settings, IGpuEvidenceProvider? provider = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Agent:JournalPath", _directory.File("journal.db"));
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.ClearProviders().AddFakeLogging());
            builder.ConfigureTestServices(services =>
            {
                if (settings.TryGetValue("Compute:Backend", out var backend) && backend == "cuda")
                {
                    services.Replace(ServiceDescriptor.Singleton<IComputeBackend>(_ => new NamedCudaBackend()));
                }

                if (provider is not null)
                {
                    services.Replace(ServiceDescriptor.Singleton(provider));
                }
            });
        });

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

    /// <summary>Stands in for the CUDA backend on a machine without a GPU: named "cuda", runs on the CPU kernels.</summary>
    private sealed class NamedCudaBackend : IComputeBackend
    {
        private readonly CpuBackend _cpu = new();

        public string Name => "cuda";

        public IOperatorKernel? TryCreateKernel(OperatorNode node) => _cpu.TryCreateKernel(node);

        public IDisposable BeginJob() => _cpu.BeginJob();

        public void Dispose() => _cpu.Dispose();
    }

    /// <summary>A provider that answers at boot, then fails like NVML (<paramref name="fail"/>) or never answers.</summary>
    private sealed class ScriptedProvider(bool fail) : IGpuEvidenceProvider
    {
        private int _calls;

        public string Name => "scripted";

        public async ValueTask<GpuEvidence> CollectAsync(ReadOnlyMemory<byte> nonce, CancellationToken ct)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                return new GpuEvidence("scripted", [.. "boot evidence "u8, .. nonce.Span]);
            }

            if (fail)
            {
                throw new NvmlException(NvmlErrorReason.CallFailed, "nvmlDeviceGetConfComputeGpuAttestationReport failed: GPU is lost");
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            throw new InvalidOperationException("unreachable");
        }
    }
}
