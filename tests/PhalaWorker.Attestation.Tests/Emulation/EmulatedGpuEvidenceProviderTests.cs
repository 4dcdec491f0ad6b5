using System.Text;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Attestation.Binding;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.Gpu;
using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Collateral;
using PhalaWorker.Attestation.Gpu.Emulation;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Policy;
using PhalaWorker.Attestation.Gpu.Verification;

namespace PhalaWorker.Attestation.Tests.Emulation;

public sealed class EmulatedGpuEvidenceProviderTests
{
    private static readonly byte[] Nonce = [.. Enumerable.Range(0, 32).Select(i => (byte)(i + 7))];

    private static EmulatedGpuEvidenceProvider Provider(EmulatedTee? tee = null) =>
        new(tee ?? EmulatedTeeTests.Tee, new FakeTimeProvider(EmulatedTeeTests.IssuedAt.AddDays(1)));

    [Test]
    public async Task CollectAsync_Nonce_NvidiaRemoteEvidenceThatTheGpuVerifierAcceptsAndBindsDigestAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var provider = Provider();

        var evidence = await provider.CollectAsync(Nonce, cts.Token);
        var appraisal = GpuVerifier.VerifyRemoteEvidence(evidence.Evidence, provider.VerificationContext(Nonce));

        Assert.Multiple(() =>
        {
            Assert.That(evidence.Format, Is.EqualTo(NvidiaRemoteEvidence.Format));
            Assert.That(NvidiaRemoteEvidence.Parse(evidence.Evidence).Single().Nonce, Is.EqualTo(Nonce));
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(appraisal.Emulated, Is.True);
            Assert.That(appraisal.Gpus.Single().Measurements, Is.EqualTo(MeasurementStatus.Match));
            Assert.That(evidence.Digest, Has.Length.EqualTo(32).And.Not.All.Zero);
        });
        var address = new byte[20];
        var key = new byte[32];
        Assert.That(ReportDataBinding.Compute(address, key, evidence.Digest), Is.Not.EqualTo(ReportDataBinding.Compute(address, key, default)));
    }

    [Test]
    public async Task Verify_OtherNonce_RejectedAtTheNonceAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var provider = Provider();
        var evidence = await provider.CollectAsync(Nonce, cts.Token);

        var appraisal = GpuVerifier.VerifyRemoteEvidence(evidence.Evidence, provider.VerificationContext(new byte[32]));

        Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.Nonce));
    }

    [Test]
    public async Task Verify_StapledCollateralRoundTrips_AndTheStrictPolicyRefusesAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var provider = Provider();
        var evidence = await provider.CollectAsync(Nonce, cts.Token);
        var collateral = GpuCollateral.FromJson(Encoding.UTF8.GetBytes(provider.Collateral().ToJson()));
        var context = collateral.ApplyTo(provider.VerificationContext(Nonce) with { Rims = [], Ocsp = OcspResponseSet.Empty });

        var allowed = GpuVerifier.VerifyRemoteEvidence(evidence.Evidence, context);
        var strict = GpuVerifier.VerifyRemoteEvidence(evidence.Evidence, context with { Policy = GpuAttestationPolicy.Strict });

        Assert.Multiple(() =>
        {
            Assert.That(collateral.Rims.Keys, Is.EquivalentTo(new[] { EmulatedGpu.DriverRimId.Value, EmulatedGpu.VbiosRimId.Value }));
            Assert.That(collateral.OcspResponses, Has.Count.EqualTo(6));
            Assert.That(allowed.Valid, Is.True, allowed.Reason);
            Assert.That(strict.FailedCheck, Is.EqualTo(GpuCheck.EmulatedRoot));
        });
    }

    [Test]
    public async Task Verify_OtherSeedsGpu_RefusedAtTheTrustedRootAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var other = Provider(EmulatedTee.FromSeed("another seed for the emulated tee"u8, EmulatedTeeTests.IssuedAt));
        var evidence = await other.CollectAsync(Nonce, cts.Token);

        var appraisal = GpuVerifier.VerifyRemoteEvidence(evidence.Evidence, Provider().VerificationContext(Nonce));

        Assert.That(appraisal.FailedCheck, Is.EqualTo(GpuCheck.TrustedRoot));
    }

    [Test]
    public void CollectAsync_NonceNot32Bytes_Refused()
    {
        Assert.ThrowsAsync<ArgumentException>(async () => await Provider().CollectAsync(new byte[16], CancellationToken.None));
    }

    [Test]
    public async Task NoGpuEvidenceProvider_Always_NoneWithZeroDigestAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var evidence = await new NoGpuEvidenceProvider().CollectAsync(Nonce, cts.Token);

        Assert.That(evidence.IsNone, Is.True);
        Assert.That(evidence.Digest, Is.EqualTo(new byte[32]));
    }
}
