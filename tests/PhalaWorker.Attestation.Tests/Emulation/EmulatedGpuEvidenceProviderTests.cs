using System.Text;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Attestation.Binding;
using PhalaWorker.Attestation.Gpu;

namespace PhalaWorker.Attestation.Tests.Emulation;

public sealed class EmulatedGpuEvidenceProviderTests
{
    private static readonly byte[] Nonce = [.. Enumerable.Range(0, 32).Select(i => (byte)(i + 7))];

    [Test]
    public async Task CollectAsync_Nonce_VerifiesAndBindsDigestAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var provider = new EmulatedGpuEvidenceProvider(EmulatedTeeTests.Tee, new FakeTimeProvider(EmulatedTeeTests.IssuedAt));

        var evidence = await provider.CollectAsync(Nonce, cts.Token);

        Assert.That(evidence.Format, Is.EqualTo(EmulatedGpuEvidence.Format));
        Assert.That(EmulatedGpuEvidence.Verify(evidence.Evidence, Nonce, EmulatedTeeTests.Tee.GpuAttestationPublicKey), Is.Null);
        Assert.That(evidence.Digest, Has.Length.EqualTo(32).And.Not.All.Zero);
        var address = new byte[20];
        var key = new byte[32];
        Assert.That(ReportDataBinding.Compute(address, key, evidence.Digest), Is.Not.EqualTo(ReportDataBinding.Compute(address, key, default)));
    }

    [Test]
    public async Task Verify_OtherNonce_RejectedAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var evidence = await new EmulatedGpuEvidenceProvider(EmulatedTeeTests.Tee, new FakeTimeProvider()).CollectAsync(Nonce, cts.Token);

        Assert.That(EmulatedGpuEvidence.Verify(evidence.Evidence, new byte[32], EmulatedTeeTests.Tee.GpuAttestationPublicKey), Does.Contain("nonce"));
    }

    [Test]
    public async Task Verify_TamperedReport_RejectedAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var evidence = await new EmulatedGpuEvidenceProvider(EmulatedTeeTests.Tee, new FakeTimeProvider()).CollectAsync(Nonce, cts.Token);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(evidence.Evidence).Replace("0.0.0-emulated", "9.9.9-emulated", StringComparison.Ordinal));

        Assert.That(EmulatedGpuEvidence.Verify(tampered, Nonce, EmulatedTeeTests.Tee.GpuAttestationPublicKey), Does.Contain("signature"));
        Assert.That(EmulatedGpuEvidence.Verify("not json"u8, Nonce, EmulatedTeeTests.Tee.GpuAttestationPublicKey), Does.StartWith("malformed"));
    }

    [Test]
    public async Task Verify_OtherKey_RejectedAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var other = PhalaWorker.Attestation.Emulation.EmulatedTee.FromSeed("another seed for the emulated tee"u8, EmulatedTeeTests.IssuedAt);
        var evidence = await new EmulatedGpuEvidenceProvider(other, new FakeTimeProvider()).CollectAsync(Nonce, cts.Token);

        Assert.That(EmulatedGpuEvidence.Verify(evidence.Evidence, Nonce, EmulatedTeeTests.Tee.GpuAttestationPublicKey), Does.Contain("unexpected key"));
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
