using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Attestation.Binding;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Attestation.Gpu.Collateral;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Testing;

namespace PhalaWorker.Client.Tests;

/// <summary>
/// The fresh GPU evidence of a bundle (proto/README.md, GPU evidence), on bundles built here as the agent builds them: the
/// binding wire format, a cuda node without GPU evidence, evidence signed by another key, the real H100 evidence under a
/// bundle whose derived nonce is not the one it was captured with, and emulated GPU evidence only with AllowEmulated.
/// </summary>
public sealed class NodeVerifierGpuTests
{
    private static readonly byte[] BuildDigest = SHA256.HashData("the agent build under test"u8);

    /// <summary>Inside the real H100 set's device-chain OCSP window (tests/testdata/gpu-attestation/README.md).</summary>
    private static readonly DateTimeOffset H100Time = new(2025, 8, 21, 12, 0, 0, TimeSpan.Zero);

    private static readonly string[] DeviceOcspFiles = ["gpu_chain_idx1_GSP_BROM", "gpu_chain_idx2_Provisioner_ICA1", "gpu_chain_idx3_GH100_Identity"];

    private EthSigner _signer = null!;
    private X25519KeyPair _hpke = null!;

    [SetUp]
    public void SetUp()
    {
        _signer = EthSigner.Generate();
        _hpke = X25519KeyPair.Generate();
    }

    [TearDown]
    public void TearDown()
    {
        _signer.Dispose();
        _hpke.Dispose();
    }

    [Test]
    public void Binding_NonceAndDigest_AreTheDocumentedHashes()
    {
        var callerNonce = RandomNumberGenerator.GetBytes(32);
        var evidence = "some evidence"u8.ToArray();
        const string collateral = "{\"format\":\"phala-worker/gpu-collateral/v1\"}";

        var nonce = GpuEvidenceBinding.DeriveNonce(callerNonce, _signer.Address.AsSpan(), _hpke.PublicKey);
        var digest = GpuEvidenceBinding.SignatureDigest(callerNonce, evidence, collateral);

        var expectedNonce = SHA256.HashData([.. "phala-worker/v1 gpu evidence nonce"u8, .. callerNonce, .. _signer.Address.AsSpan(), .. _hpke.PublicKey]);
        var expectedDigest = Keccak256.Hash([.. "phala-worker/v1 fresh gpu evidence"u8, .. callerNonce, .. SHA256.HashData(evidence), .. SHA256.HashData(Encoding.UTF8.GetBytes(collateral))]);
        Assert.Multiple(() =>
        {
            Assert.That(nonce, Is.EqualTo(expectedNonce));
            Assert.That(digest, Is.EqualTo(expectedDigest.AsSpan().ToArray()));
            Assert.That(GpuEvidenceBinding.SignatureDigest(callerNonce, evidence, ""), Is.Not.EqualTo(digest), "the collateral is covered");
            Assert.Throws<ArgumentException>(() => GpuEvidenceBinding.DeriveNonce(new byte[31], _signer.Address.AsSpan(), _hpke.PublicKey));
        });
    }

    [Test]
    public async Task VerifyBundle_CudaWithoutFreshGpuEvidence_GpuEvidenceRejectedAsync()
    {
        var (bundle, nonce) = await BundleAsync("cuda", fresh: null);

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.GpuEvidenceRejected));
        Assert.That(ex.Message, Does.Contain("fresh GPU evidence check").And.Contain("cuda"));
    }

    [Test]
    public async Task VerifyBundle_CpuWithoutFreshGpuEvidence_VerifiedWithoutGpuVerdictAsync()
    {
        var (bundle, nonce) = await BundleAsync("cpu", fresh: null);

        var node = Verifier(allowEmulated: true).VerifyBundle(bundle, nonce);

        Assert.That(node.Gpu, Is.Null);
    }

    [Test]
    public async Task VerifyBundle_EmulatedGpuEvidenceWithAllowEmulated_VerifiedWithGpuVerdictAsync()
    {
        var (bundle, nonce) = await BundleAsync("cuda", fresh: EmulatedEvidenceAsync, collateral: EmulatedCollateral());

        var node = Verifier(allowEmulated: true).VerifyBundle(bundle, nonce);

        Assert.That(node.Gpu, Is.Not.Null);
        Assert.That(node.Gpu!.Emulated, Is.True);
        Assert.That(node.Gpu.Format, Is.EqualTo(NvidiaRemoteEvidence.Format));
        Assert.That(node.Gpu.Appraisal!.Gpus.Single().Measurements, Is.EqualTo(Attestation.Gpu.Appraisal.MeasurementStatus.Match), "verified by the same GpuVerifier, RIMs and all");
        Assert.That(node.Gpu.Gpus, Has.Count.EqualTo(1));
        Assert.That(node.Gpu.Gpus[0].CcMode, Is.EqualTo("on"));
        Assert.That(node.Gpu.EvidenceSha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(bundle.FreshGpuEvidence.Span))));
    }

    [Test]
    public async Task VerifyFreshGpuEvidence_EmulatedWithoutAllowEmulated_RefusedAsync()
    {
        // The TEE check would refuse an emulated TEE first, so the GPU step is checked on its own here.
        var (bundle, nonce) = await BundleAsync("cuda", fresh: EmulatedEvidenceAsync, collateral: EmulatedCollateral());

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: false).VerifyFreshGpuEvidence(bundle, nonce, Agent("cuda")));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.EmulatedNotAllowed));
        Assert.That(ex.Message, Does.Contain("fresh GPU evidence is EMULATED"));
    }

    [Test]
    public async Task VerifyBundle_EmulatedGpuEvidenceForAnotherNonce_GpuEvidenceRejectedAsync()
    {
        var (bundle, nonce) = await BundleAsync("cuda", fresh: _ => EmulatedEvidenceAsync(RandomNumberGenerator.GetBytes(32)), collateral: EmulatedCollateral());

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.GpuEvidenceRejected));
        Assert.That(ex.Message, Does.Contain("failed verification at Nonce (request.nonce)"));
    }

    [Test]
    public async Task VerifyBundle_FreshGpuEvidenceSignedByAnotherKey_GpuEvidenceRejectedAsync()
    {
        using var impostor = EthSigner.Generate();
        var (bundle, nonce) = await BundleAsync("cuda", fresh: EmulatedEvidenceAsync, collateral: EmulatedCollateral(), freshSigner: impostor);

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.GpuEvidenceRejected));
        Assert.That(ex.Message, Does.Contain("fresh GPU evidence signature check"));
    }

    [Test]
    public async Task VerifyBundle_CollateralSwappedAfterSigning_GpuEvidenceRejectedAsync()
    {
        var (bundle, nonce) = await BundleAsync("cuda", fresh: EmulatedEvidenceAsync, collateral: EmulatedCollateral());
        bundle.GpuCollateral = new GpuCollateral(new Dictionary<string, byte[]>(), [], ["swapped in by the host"]).ToJson();

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.GpuEvidenceRejected));
        Assert.That(ex.Message, Does.Contain("signature check"));
    }

    [Test]
    public async Task VerifyBundle_RealH100EvidenceNotForTheDerivedNonce_RejectedAtTheNonceCheckAsync()
    {
        // The real H100 report (tests/testdata/gpu-attestation) with its real chain, RIMs and OCSP responses stapled, at a time
        // inside its OCSP window: it is genuine, but it was requested with the nonce it was captured with, not this
        // bundle's derived nonce, so a host replaying it is caught at the nonce check.
        var evidence = NvidiaRemoteEvidence.Serialize([new GpuEvidenceItem
        {
            Arch = "HOPPER",
            CertificateChainPem = TestData.ReadBytes("gpu-attestation", "cert_chain.pem"),
            Report = TestData.ReadBytes("gpu-attestation", "attestation_report.bin"),
            Nonce = Convert.FromHexString(Encoding.ASCII.GetString(TestData.ReadBytes("gpu-attestation", "nonce.hex")).Trim()),
            DriverVersion = "550.90.07",
            VbiosVersion = "96.00.9f.00.01",
        }]);
        var rims = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["NV_GPU_DRIVER_GH100_550.90.07"] = TestData.ReadBytes("gpu-attestation", "rims", "NV_GPU_DRIVER_GH100_550.90.07.swidtag"),
            ["NV_GPU_VBIOS_1010_0200_882_96009F0001"] = TestData.ReadBytes("gpu-attestation", "rims", "NV_GPU_VBIOS_1010_0200_882_96009F0001.swidtag"),
        };
        var ocsp = DeviceOcspFiles.Select(f => TestData.ReadBytes("gpu-attestation", "ocsp", f + ".ocsp.der")).ToArray();
        var collateral = new GpuCollateral(rims, ocsp, []).ToJson();
        var (bundle, nonce) = await BundleAsync("cuda", fresh: _ => ValueTask.FromResult(evidence), collateral: collateral, issuedAt: H100Time);

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true, at: H100Time).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.GpuEvidenceRejected));
        Assert.That(ex.Message, Does.Contain("failed verification at Nonce (request.nonce)"));
        Assert.That(ex.Message, Does.Contain(Convert.ToHexStringLower(GpuEvidenceBinding.DeriveNonce(nonce, bundle.NodeAddress.Span, bundle.HpkePublicKey.Span))),
            "the message names the nonce that was expected");
    }

    [Test]
    public async Task VerifyBundle_WrongBindingVersion_MalformedAsync()
    {
        var (bundle, nonce) = await BundleAsync("cuda", fresh: EmulatedEvidenceAsync, collateral: EmulatedCollateral());
        bundle.GpuEvidenceBindingVersion = 2;

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.MalformedAttestation));
        Assert.That(ex.Message, Does.Contain("gpu_evidence_binding_version 2"));
    }

    private static EmulatedGpuEvidenceProvider EmulatedProvider() =>
        new(EmulatedTee.FromSeed(Encoding.ASCII.GetBytes(new NodeVerifierOptions().EmulationSeed), TimeProvider.System.GetUtcNow()), TimeProvider.System);

    private static async ValueTask<byte[]> EmulatedEvidenceAsync(byte[] gpuNonce) =>
        (await EmulatedProvider().CollectAsync(gpuNonce, CancellationToken.None)).Evidence;

    /// <summary>The emulated GPU's RIMs and OCSP responses, as the agent staples them.</summary>
    private static string EmulatedCollateral() => EmulatedProvider().Collateral().ToJson();

    private static KeyValuePair<string, string>[] Settings(string backend) =>
        [new(MeasuredSettings.Tee, "emulated"), new(MeasuredSettings.ComputeBackend, backend), new(MeasuredSettings.LogLevel, "Information")];

    private static MeasuredAgent Agent(string backend) =>
        new("0.1.0", BuildDigest, Settings(backend).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));

    private static NodeVerifier Verifier(bool allowEmulated, DateTimeOffset? at = null) =>
        new(new WorkerClient(GrpcChannel.ForAddress("http://127.0.0.1:1"), ownsChannel: true), new NodeVerifierOptions
        {
            AllowEmulated = allowEmulated,
            RequireRegistration = false,
            TrustAnyMeasurement = true,
            TimeProvider = at is { } time ? new FakeTimeProvider(time) : TimeProvider.System,
        });

    private async Task<(AttestationBundle Bundle, byte[] Nonce)> BundleAsync(string backend, Func<byte[], ValueTask<byte[]>>? fresh, EthSigner? freshSigner = null, string collateral = "", DateTimeOffset? issuedAt = null)
    {
        var tee = EmulatedTee.FromSeed(Encoding.ASCII.GetBytes(new NodeVerifierOptions().EmulationSeed), issuedAt ?? TimeProvider.System.GetUtcNow());
        var log = new RtmrEventLog();
        AgentMeasurements.Record(log, "0.1.0", BuildDigest, Settings(backend));
        var reportData = ReportDataBinding.Compute(_signer.Address.AsSpan(), _hpke.PublicKey, new byte[32]);
        var quote = tee.CreateQuote(reportData, EmulatedTdMeasurements.Default.WithRtmr(3, log.CurrentValue.Span));
        var nonce = RandomNumberGenerator.GetBytes(32);
        var bundle = new AttestationBundle
        {
            TeeType = TeeType.EmulatedTdx,
            Quote = ByteString.CopyFrom(quote),
            NodeAddress = ByteString.CopyFrom(_signer.Address.AsSpan()),
            HpkePublicKey = ByteString.CopyFrom(_hpke.PublicKey),
            ReportDataVersion = ReportDataBinding.Version,
            AgentVersion = "0.1.0",
            GpuEvidenceDigest = ByteString.CopyFrom(new byte[32]),
            Nonce = ByteString.CopyFrom(nonce),
            NonceSignature = ByteString.CopyFrom(_signer.SignHash(AttestationNonceSignature.Hash(nonce, Keccak256.Hash(quote))).ToBytes65()),
            ComputeBackend = backend,
            Collateral = tee.Collateral.Json,
        };
        foreach (var e in log.Events)
        {
            bundle.EventLog.Add(new MeasurementEvent { RtmrIndex = (uint)e.RtmrIndex, EventType = e.EventType, EventData = ByteString.CopyFrom(e.EventData), Digest = ByteString.CopyFrom(e.Digest) });
        }

        if (fresh is not null)
        {
            // As the agent does: evidence for the derived nonce, the collateral stapled, the binding digest signed by the node key.
            var evidence = await fresh(GpuEvidenceBinding.DeriveNonce(nonce, _signer.Address.AsSpan(), _hpke.PublicKey));
            bundle.FreshGpuEvidence = ByteString.CopyFrom(evidence);
            bundle.GpuCollateral = collateral;
            bundle.FreshGpuEvidenceSignature = ByteString.CopyFrom((freshSigner ?? _signer).SignHash(GpuEvidenceBinding.SignatureDigest(nonce, evidence, collateral)).ToBytes65());
            bundle.GpuEvidenceBindingVersion = GpuEvidenceBinding.Version;
        }

        return (bundle, nonce);
    }
}
