using PhalaWorker.Attestation.Binding;

namespace PhalaWorker.Attestation.Tests.Binding;

public sealed class ReportDataBindingTests
{
    // Golden values computed independently: python writes "phala-worker/report-data/v1" ‖ addr ‖ key ‖ gpu to a file, then `sha512sum`.
    // addr = 01..14, key = 20..3f, gpu = aa x32 (or zeros).
    private const string GoldenWithGpu = "d99b0508b19526c72e1b8916b32afa928ac152d4a9a36027f4b5b91793a80a3d20d73640e738df2cdb29fad5388b7208421422fd8ff80780f4994f6ce90ff557";
    private const string GoldenWithoutGpu = "5899f18dbeb0361d618e4c0102c8b6c6affd60867ec029008e37371397093e715ddba58ce882f712b900511519b330d2b039e9ef11f644ed600a309dd7aab96b";

    private static readonly byte[] Address = Enumerable.Range(1, 20).Select(i => (byte)i).ToArray();
    private static readonly byte[] HpkeKey = Enumerable.Range(0x20, 32).Select(i => (byte)i).ToArray();

    [Test]
    public void Compute_KnownInputs_MatchesSha512sumGolden()
    {
        var gpu = Enumerable.Repeat((byte)0xaa, 32).ToArray();

        var reportData = ReportDataBinding.Compute(Address, HpkeKey, gpu);

        Assert.That(Convert.ToHexStringLower(reportData), Is.EqualTo(GoldenWithGpu));
    }

    [Test]
    public void Compute_ZeroGpuDigest_MatchesGolden()
    {
        Assert.That(Convert.ToHexStringLower(ReportDataBinding.Compute(Address, HpkeKey, new byte[32])), Is.EqualTo(GoldenWithoutGpu));
    }

    [Test]
    public void Compute_EmptyGpuDigest_SameAsZeros()
    {
        Assert.That(ReportDataBinding.Compute(Address, HpkeKey, default), Is.EqualTo(ReportDataBinding.Compute(Address, HpkeKey, new byte[32])));
    }

    [Test]
    public void Compute_Always_Returns64Bytes()
    {
        Assert.That(ReportDataBinding.Compute(Address, HpkeKey, default), Has.Length.EqualTo(64));
        Assert.That(ReportDataBinding.Version, Is.EqualTo(1));
    }

    [TestCase(19, 32, 32)]
    [TestCase(21, 32, 32)]
    [TestCase(20, 31, 32)]
    [TestCase(20, 33, 32)]
    [TestCase(20, 32, 31)]
    [TestCase(20, 32, 64)]
    public void Compute_WrongLength_Throws(int addressLength, int keyLength, int gpuLength)
    {
        Assert.That(() => ReportDataBinding.Compute(new byte[addressLength], new byte[keyLength], new byte[gpuLength]), Throws.ArgumentException);
    }

    [Test]
    public void Matches_SameInputs_True()
    {
        var reportData = ReportDataBinding.Compute(Address, HpkeKey, default);

        Assert.That(ReportDataBinding.Matches(reportData, Address, HpkeKey, default), Is.True);
    }

    [Test]
    public void Matches_OtherKey_False()
    {
        var reportData = ReportDataBinding.Compute(Address, HpkeKey, default);
        var otherKey = (byte[])HpkeKey.Clone();
        otherKey[0] ^= 1;

        Assert.That(ReportDataBinding.Matches(reportData, Address, otherKey, default), Is.False);
        Assert.That(ReportDataBinding.Matches(reportData.AsSpan(0, 32), Address, HpkeKey, default), Is.False);
    }
}
