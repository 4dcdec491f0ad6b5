using System.Security.Cryptography;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.Policy;

namespace PhalaWorker.Attestation.Tests.Dcap;

public sealed class TrustedRootsTests
{
    [Test]
    public void Intel_EmbeddedRoot_MatchesReadmeFingerprintAndTestData()
    {
        var der = TrustedRoots.IntelRootCertificateDer;

        Assert.Multiple(() =>
        {
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(der)), Is.EqualTo("44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"));
            Assert.That(der, Is.EqualTo(AttestationTestData.Bytes("intel_sgx_root_ca.der")));
            Assert.That(TrustedRoots.Intel.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void WithEmulated_AddsRootWithDistinctId()
    {
        var tee = EmulatedTee.FromSeed(new byte[16], AttestationTestData.GoodTime);

        var roots = TrustedRoots.Intel.WithEmulated(tee.EmulatedRootCertificateDer);

        Assert.Multiple(() =>
        {
            Assert.That(roots.Count, Is.EqualTo(2));
            Assert.That(roots.Id, Is.Not.EqualTo(TrustedRoots.Intel.Id));
        });
    }

    [Test]
    public void WithEmulated_NotSelfSigned_Throws()
    {
        var tee = EmulatedTee.FromSeed(new byte[16], AttestationTestData.GoodTime);

        Assert.Throws<ArgumentException>(() => TrustedRoots.Intel.WithEmulated(tee.PckChain.PckCertificateDer));
    }

    [Test]
    public void WithEmulated_Garbage_Throws()
    {
        Assert.Throws<ArgumentException>(() => TrustedRoots.Intel.WithEmulated([0x30, 0x03, 0x02, 0x01, 0x00]));
    }

    [Test]
    public void Verify_ConcurrentCallers_SameVerdict()
    {
        DcapVerifier.ClearCache();
        var collateral = QuoteCollateral.FromJson(AttestationTestData.CollateralJson);
        var quote = AttestationTestData.Quote;
        var results = new bool[64];

        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            results[i] = DcapVerifier.Verify(quote, collateral, AttestationTestData.GoodTime, AttestationPolicy.Strict).Valid);

        Assert.That(results, Is.All.True);
    }
}
