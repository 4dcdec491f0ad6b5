using System.Text;
using PhalaWorker.Attestation.Gpu.Rim;

namespace PhalaWorker.Attestation.Tests.Gpu.Rim;

public sealed class EmulatedRimAuthorityTests
{
    private static readonly DateTimeOffset IssuedAt = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Seed = Encoding.ASCII.GetBytes("emulated-rim-test-seed");

    [Test]
    public void WriteRim_ThenParseAndVerifyWithEmulatedRootTrusted_Valid()
    {
        var authority = EmulatedRimAuthority.FromSeed(Seed, IssuedAt);
        var rim = Write(authority, RimTestData.DriverId, "GH100", "550.90.07");

        var result = new RimVerifier(authority.TrustedRoots).Verify(rim, IssuedAt.AddDays(1));

        Assert.Multiple(() =>
        {
            Assert.That(result.Valid, Is.True, result.Reason);
            Assert.That(result.Emulated, Is.True);
            Assert.That(result.VerifiedChain, Has.Count.EqualTo(4));
            Assert.That(result.VerifiedChain[^1].DisplayName, Does.StartWith(EmulatedRimAuthority.RootName));
            Assert.That(rim.Kind, Is.EqualTo(RimKind.Driver));
            Assert.That(rim.Version, Is.EqualTo("550.90.07"));
        });
    }

    [Test]
    public void Verify_EmulatedRimWithProductionRoots_ChainFails()
    {
        var authority = EmulatedRimAuthority.FromSeed(Seed, IssuedAt);
        var rim = Write(authority, RimTestData.DriverId, "GH100", "550.90.07");

        var result = new RimVerifier().Verify(rim, IssuedAt.AddDays(1));

        Assert.Multiple(() =>
        {
            Assert.That(result.Valid, Is.False);
            Assert.That(result.Emulated, Is.False);
            Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Chain));
            Assert.That(result.FailedItem, Does.StartWith(EmulatedRimAuthority.RootName));
            Assert.That(result[RimCheck.Digest].Passed && result[RimCheck.Signature].Passed, Is.True, "the XML-DSig itself is sound");
        });
    }

    [Test]
    public void Verify_RealNvidiaRimWithEmulatedRootAlsoTrusted_StillNotEmulated()
    {
        var authority = EmulatedRimAuthority.FromSeed(Seed, IssuedAt);

        var result = new RimVerifier(authority.TrustedRoots).Verify(RimVerifierTests.Load(RimTestData.DriverId), RimTestData.GoodTime);

        Assert.Multiple(() =>
        {
            Assert.That(result.Valid, Is.True, result.Reason);
            Assert.That(result.Emulated, Is.False);
        });
    }

    [Test]
    public void FromSeed_SameSeed_SameBytes_OtherSeed_OtherRoot()
    {
        var first = EmulatedRimAuthority.FromSeed(Seed, IssuedAt);
        var second = EmulatedRimAuthority.FromSeed(Seed, IssuedAt);
        var other = EmulatedRimAuthority.FromSeed(Encoding.ASCII.GetBytes("another seed"), IssuedAt);
        var measurements = RimVerifierTests.Load(RimTestData.VbiosId).Measurements;
        var id = RimId.Parse(RimTestData.VbiosId);

        Assert.Multiple(() =>
        {
            Assert.That(first.WriteRim(id, "GH100", "96.00.9F.00.01", measurements), Is.EqualTo(second.WriteRim(id, "GH100", "96.00.9F.00.01", measurements)));
            Assert.That(other.RootCertificateDer, Is.Not.EqualTo(first.RootCertificateDer));
        });
    }

    [Test]
    public void Verify_EmulatedRimUnderAnotherEmulatedRoot_ChainFails()
    {
        var signer = EmulatedRimAuthority.FromSeed(Seed, IssuedAt);
        var trusted = EmulatedRimAuthority.FromSeed(Encoding.ASCII.GetBytes("another seed"), IssuedAt);

        var result = new RimVerifier(trusted.TrustedRoots).Verify(Write(signer, RimTestData.DriverId, "GH100", "550.90.07"), IssuedAt.AddDays(1));

        Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Chain));
    }

    [Test]
    public void Verify_EmulatedRimAfterValidity_ValidityFails()
    {
        var authority = EmulatedRimAuthority.FromSeed(Seed, IssuedAt, TimeSpan.FromDays(2));

        var result = new RimVerifier(authority.TrustedRoots).Verify(Write(authority, RimTestData.DriverId, "GH100", "550.90.07"), IssuedAt.AddDays(3));

        Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Validity));
    }

    [Test]
    public void Verify_TamperedEmulatedRim_DigestFails()
    {
        var authority = EmulatedRimAuthority.FromSeed(Seed, IssuedAt);
        var xml = Encoding.UTF8.GetString(authority.WriteRim(RimId.Parse(RimTestData.DriverId), "GH100", "550.90.07", RimVerifierTests.Load(RimTestData.DriverId).Measurements));
        var tampered = RimXmlEdit.ReplaceOnce(xml, "index=\"7\" active=\"True\"", "index=\"7\" active=\"False\"");

        var result = new RimVerifier(authority.TrustedRoots).Verify(ReferenceIntegrityManifest.Parse(RimXmlEdit.Bytes(tampered), RimTestData.DriverId), IssuedAt.AddDays(1));

        Assert.That(result.FailedCheck, Is.EqualTo(RimCheck.Digest));
    }

    [Test]
    public void Compare_EmulatedRimsCarryingTheRealGoldenValues_MatchTheRealReport()
    {
        var authority = EmulatedRimAuthority.FromSeed(Seed, IssuedAt);
        var driver = Write(authority, RimTestData.DriverId, "GH100", "550.90.07");
        var vbios = Write(authority, RimTestData.VbiosId, "GH100", "96.00.9F.00.01");

        var result = RimMeasurementComparer.Compare(driver, vbios, RimTestData.SpdmMeasurements(), RimMeasurementComparer.Nvdec0Enabled);

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(RimComparisonStatus.Match), result.Reason);
            Assert.That(result.ActiveGoldenCount, Is.EqualTo(33));
        });
    }

    [Test]
    public void WriteRim_IdNotMatchingVersion_ParseRefusesIt()
    {
        var authority = EmulatedRimAuthority.FromSeed(Seed, IssuedAt);
        var bytes = authority.WriteRim(RimId.Parse(RimTestData.DriverId), "GH100", "555.1.2", []);

        var ex = Assert.Throws<RimFormatException>(() => ReferenceIntegrityManifest.Parse(bytes, RimTestData.DriverId));

        Assert.That(ex!.Field, Is.EqualTo("id"));
    }

    private static ReferenceIntegrityManifest Write(EmulatedRimAuthority authority, string id, string product, string version)
    {
        // The real RIMs' measurements, re-signed by the emulated hierarchy.
        var source = RimVerifierTests.Load(id == RimTestData.DriverId ? RimTestData.DriverId : RimTestData.VbiosId);
        return ReferenceIntegrityManifest.Parse(authority.WriteRim(RimId.Parse(id), product, version, source.Measurements), id);
    }
}
